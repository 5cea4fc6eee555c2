// Azure Storage SharedKey signing (Blob service, version 2009-09-19 and later),
// as pure functions: the caller passes the clock in, so each step can be checked
// against the examples Microsoft publishes.
// Reference: https://learn.microsoft.com/rest/api/storageservices/authorize-with-shared-key
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/transport.hpp"
#include "objectfs/status.hpp"
#include "util/base64.hpp"

namespace objectfs::internal {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// RFC 1123 date as x-ms-date wants it: "Sun, 11 Oct 2009 21:49:13 GMT".
std::string HttpDate(std::chrono::system_clock::time_point t);

// Every x-ms-* header, name lower-cased, value trimmed, sorted by name:
// "x-ms-date:...\nx-ms-version:...\n".
std::string AzureCanonicalizedHeaders(const Headers& headers);

// "/ACCOUNT" + path (as sent on the wire, already encoded; for the emulator's
// path-style URLs it starts with "/ACCOUNT" again), then one line per query
// name, lower-cased and sorted: "\nname:v1,v2" (values raw, sorted).
std::string AzureCanonicalizedResource(std::string_view account, std::string_view path,
                                       const QueryParams& query);

struct AzureSignRequest {
  std::string method;
  std::string account;
  std::string path;   // encoded path as sent, "/" when empty
  QueryParams query;  // raw names and values
  Headers headers;    // all headers that will be sent, x-ms-date included
};

// VERB, the eleven standard headers (Content-Length empty when 0), the
// canonicalized headers and the canonicalized resource.
std::string AzureStringToSign(const AzureSignRequest& request);

// Base64 HMAC-SHA256 of string_to_sign under the decoded account key.
std::string AzureSignature(std::string_view decoded_key, std::string_view string_to_sign);

// Returns request.headers plus x-ms-date (replacing any given) and
// "Authorization: SharedKey ACCOUNT:SIGNATURE".
Headers SignAzureSharedKey(AzureSignRequest request, std::string_view decoded_key,
                           std::chrono::system_clock::time_point now);

}  // namespace objectfs::internal
