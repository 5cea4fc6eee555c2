// AWS Signature Version 4, as pure functions: the caller passes the clock in,
// so every step can be checked against AWS's published test vectors.
// Reference: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/transport.hpp"
#include "util/uri_encode.hpp"  // SigV4 signs the encoded form

namespace objectfs::internal {

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty when none
};

// Lower-case hex SHA-256 of data.
std::string Sha256Hex(std::string_view data);

// Raw HMAC-SHA256 (binary string).
std::string HmacSha256(std::string_view key, std::string_view data);

// "20150830T123600Z" from a time point (UTC, whole seconds).
std::string AmzDate(std::chrono::system_clock::time_point t);

struct SigV4Request {
  std::string method;
  // Path exactly as sent on the wire, already URI-encoded. S3 style: no
  // normalisation, no double encoding. Empty means "/".
  std::string canonical_uri;
  // Raw, un-encoded names/values; the signer encodes and sorts them.
  std::vector<std::pair<std::string, std::string>> query;
  Headers headers;                 // must include "host"; all given headers are signed
  std::string payload_sha256_hex;  // e.g. Sha256Hex("") or "UNSIGNED-PAYLOAD"
};

// Header names lower-cased, values trimmed and inner runs of blanks collapsed,
// sorted by name; several headers of one name are joined with ',' in order.
std::string CanonicalRequest(const SigV4Request& request);

std::string StringToSign(std::string_view amz_date, std::string_view credential_scope,
                         std::string_view canonical_request);

// Returns the headers to send: request.headers plus "x-amz-date" and, when a
// session token is set, "x-amz-security-token" (both signed), and finally
// "Authorization". Any x-amz-date, x-amz-security-token or Authorization the
// caller passed is replaced, so nothing is sent (or signed) twice.
Headers SignV4(SigV4Request request, const AwsCredentials& creds, std::string_view region,
               std::string_view service, std::chrono::system_clock::time_point now);

}  // namespace objectfs::internal
