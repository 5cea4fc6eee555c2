#include "http/content_range.hpp"

#include <charconv>
#include <string_view>

namespace objectfs::internal {
namespace {

bool ParseNumber(std::string_view s, uint64_t* out) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

}  // namespace

bool ParseContentRange(const std::string* header, ContentRange* out) {
  if (header == nullptr) return false;
  std::string_view s = *header;
  if (!s.starts_with("bytes ")) return false;
  s.remove_prefix(6);
  const size_t slash = s.find('/');
  if (slash == std::string_view::npos) return false;
  const std::string_view range = s.substr(0, slash);
  if (!ParseNumber(s.substr(slash + 1), &out->total)) return false;
  if (range == "*") return true;
  const size_t dash = range.find('-');
  if (dash == std::string_view::npos) return false;
  out->has_range = ParseNumber(range.substr(0, dash), &out->start) &&
                   ParseNumber(range.substr(dash + 1), &out->end) && out->start <= out->end;
  return out->has_range;
}

}  // namespace objectfs::internal
