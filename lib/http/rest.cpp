#include "http/rest.hpp"

#include <charconv>

namespace objectfs::internal {

std::string RangeHeaderValue(ByteRange range) {
  return "bytes=" + std::to_string(range.offset) + "-" + std::to_string(range.end() - 1);
}

Result<uint64_t> ParseLengthHeader(const HttpResponse& response, std::string_view name,
                                   const std::string& what) {
  const std::string* text = response.Header(name);
  if (text == nullptr)
    return DataLoss(what + ": the answer has no " + std::string(name) + " header");
  uint64_t value = 0;
  const char* end = text->data() + text->size();
  auto [ptr, ec] = std::from_chars(text->data(), end, value);
  if (text->empty() || ec != std::errc() || ptr != end) {
    return DataLoss(what + ": malformed " + std::string(name) + " header '" + *text +
                    "' (expected a byte count)");
  }
  return value;
}

Status CheckPinned(const HttpResponse& response, const ReadConditions& pin, PinHeaders headers,
                   const std::string& what) {
  if (headers.etag && !pin.if_match.empty()) {
    const std::string* etag = response.Header("etag");
    if (etag != nullptr && *etag != pin.if_match) {
      return ObjectChanged(what + " changed since it was opened (the server answered with ETag " +
                           *etag + ", pinned " + pin.if_match + ")");
    }
  }
  if (!headers.version.empty() && !pin.version.empty()) {
    const std::string* version = response.Header(headers.version);
    if (version != nullptr && *version != pin.version) {
      return ObjectChanged(what + " changed since it was opened (the server answered with " +
                           std::string(headers.version) + " " + *version + ", pinned " +
                           pin.version + ")");
    }
  }
  return Status::Ok();
}

}  // namespace objectfs::internal
