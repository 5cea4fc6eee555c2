// Content-Range headers, and the check of a ranged answer against them.
#include "fuzz_common.hpp"
#include "http/content_range.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string header(objectfs::fuzz::Text(data, size));
  objectfs::internal::ContentRange range;
  (void)objectfs::internal::ParseContentRange(&header, &range);
  const uint64_t offset = size > 0 ? data[0] : 0;
  (void)objectfs::internal::CheckPartialBody(&header, objectfs::ByteRange{offset, 100}, size,
                                             "fuzz");
  return 0;
}
