// The timestamp formats servers send: HTTP dates (headers, Azure listings)
// and ISO 8601 / RFC 3339 UTC times (S3 and GCS listings, credential expiry).
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace objectfs::internal {

// "Wed, 21 Oct 2015 07:28:00 GMT"; the epoch when malformed.
std::chrono::system_clock::time_point ParseHttpDate(std::string_view text);

// "2015-10-21T07:28:00Z", optionally with fractional seconds; nullopt when
// malformed (or not UTC).
std::optional<std::chrono::system_clock::time_point> ParseIso8601Strict(std::string_view text);

// ParseIso8601Strict, with the epoch for malformed text (listing entries).
std::chrono::system_clock::time_point ParseIso8601(std::string_view text);

}  // namespace objectfs::internal
