#include "stores/s3/s3_etag.hpp"

#include <span>

#include "util/ascii.hpp"
#include "util/md5.hpp"

namespace objectfs::internal {
namespace {

std::string_view Unquoted(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    return etag.substr(1, etag.size() - 2);
  }
  return etag;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string MultipartETag(const std::vector<std::string>& part_etags) {
  if (part_etags.empty()) return "";
  std::string digests;
  for (const std::string& etag : part_etags) {
    const std::string_view hex = Unquoted(etag);
    if (hex.size() != 32) return "";
    for (size_t i = 0; i < hex.size(); i += 2) {
      const int high = HexDigit(hex[i]), low = HexDigit(hex[i + 1]);
      if (high < 0 || low < 0) return "";
      digests.push_back(static_cast<char>(high * 16 + low));
    }
  }
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out = "\"";
  for (const char byte : Md5(std::as_bytes(std::span(digests)))) {
    const auto b = static_cast<unsigned char>(byte);
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out + "-" + std::to_string(part_etags.size()) + "\"";
}

bool SameETag(std::string_view a, std::string_view b) {
  return AsciiLower(Unquoted(a)) == AsciiLower(Unquoted(b));
}

}  // namespace objectfs::internal
