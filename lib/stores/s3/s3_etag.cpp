#include "stores/s3/s3_etag.hpp"

#include <span>

#include "util/ascii.hpp"
#include "util/hex.hpp"
#include "util/md5.hpp"

namespace objectfs::internal {
namespace {

std::string_view Unquoted(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    return etag.substr(1, etag.size() - 2);
  }
  return etag;
}

}  // namespace

std::string MultipartETag(const std::vector<std::string>& part_etags) {
  if (part_etags.empty()) return "";
  std::string digests;
  for (const std::string& etag : part_etags) {
    const std::string_view hex = Unquoted(etag);
    const std::optional<std::string> digest = HexDecode(hex);
    if (hex.size() != 32 || !digest) return "";
    digests += *digest;
  }
  return "\"" + HexEncode(Md5(std::as_bytes(std::span(digests)))) + "-" +
         std::to_string(part_etags.size()) + "\"";
}

bool SameETag(std::string_view a, std::string_view b) {
  return AsciiLower(Unquoted(a)) == AsciiLower(Unquoted(b));
}

}  // namespace objectfs::internal
