#include "http/content_range.hpp"

#include <charconv>
#include <string_view>

namespace objectfs::internal {
namespace {

bool ParseNumber(std::string_view s, uint64_t* out) {
  return !s.empty() &&
         std::from_chars(s.data(), s.data() + s.size(), *out).ptr == s.data() + s.size();
}

}  // namespace

bool ParseContentRange(const std::string* header, ContentRange* out) {
  if (header == nullptr) return false;
  std::string_view s = *header;
  if (!s.starts_with("bytes ")) return false;
  s.remove_prefix(6);
  const size_t slash = s.find('/');
  if (slash == std::string_view::npos) return false;
  const std::string_view range = s.substr(0, slash), total = s.substr(slash + 1);
  if (total != "*") {
    if (!ParseNumber(total, &out->total)) return false;
    out->has_total = true;
  }
  if (range == "*") return out->has_total;
  const size_t dash = range.find('-');
  if (dash == std::string_view::npos) return false;
  out->has_range = ParseNumber(range.substr(0, dash), &out->start) &&
                   ParseNumber(range.substr(dash + 1), &out->end) && out->end >= out->start;
  return out->has_range;
}

Status CheckPartialBody(const std::string* content_range_header, ByteRange requested,
                        size_t received, const std::string& what) {
  ContentRange cr;
  if (!ParseContentRange(content_range_header, &cr) || !cr.has_range ||
      cr.start != requested.offset || cr.end - cr.start + 1 != received) {
    return DataLoss(what + ": body does not match Content-Range '" +
                    (content_range_header ? *content_range_header : std::string("(none)")) + "' (" +
                    std::to_string(received) + " bytes received from offset " +
                    std::to_string(requested.offset) + ")");
  }
  if (received < requested.length && !(cr.has_total && cr.end + 1 == cr.total)) {
    return DataLoss(what + ": short body (" + std::to_string(received) + " of " +
                    std::to_string(requested.length) + " bytes) before the end of the object");
  }
  return Status::Ok();
}

}  // namespace objectfs::internal
