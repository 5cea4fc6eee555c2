// The safetensors header: its 8-byte length, then the JSON header.
#include <span>

#include "fuzz_common.hpp"
#include "objectfs/safetensors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace st = objectfs::safetensors;
  const auto bytes = std::as_bytes(std::span(data, size));
  const uint64_t file_size = size + (size > 0 ? data[0] : 0) * 1024;
  if (size >= 8) (void)st::ParseHeaderLength(bytes.first(8), file_size);
  (void)st::ParseHeader(objectfs::fuzz::Text(data, size), file_size);
  (void)st::ParseDType(objectfs::fuzz::Text(data, size));
  return 0;
}
