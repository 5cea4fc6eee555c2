// Percent-encoding of URL paths and queries (RFC 3986), shared by every store
// and by SigV4, whose signatures cover the encoded form.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace objectfs::internal {

// Unreserved A-Za-z0-9-._~ kept, every other byte %XX (upper-case hex, UTF-8
// bytes); '/' kept when !encode_slash.
std::string UriEncode(std::string_view s, bool encode_slash);

// "a=1&b=2": names and values encoded, sorted by encoded name then value
// (the order SigV4 signs, so the URL sent matches what was signed).
std::string CanonicalQueryString(const std::vector<std::pair<std::string, std::string>>& query);

}  // namespace objectfs::internal
