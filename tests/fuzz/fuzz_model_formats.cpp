// The model formats the prefetch planner reads from untrusted objects: a GGUF
// header (from the first bytes) and a torch.save zip's end records and
// central directory (from the last bytes).
#include <span>

#include "fuzz_common.hpp"
#include "prefetch/gguf.hpp"
#include "prefetch/torch_zip.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace pf = objectfs::internal::prefetch;
  const auto bytes = std::as_bytes(std::span(data, size));
  // The input is the file's start (GGUF) or its end (a zip), of a file
  // that may be longer than the bytes at hand.
  const uint64_t file_size = size + (size > 0 ? data[size - 1] : 0) * 64;
  (void)pf::GgufHeader(bytes, file_size);
  (void)pf::GgufHeader(bytes, size);
  if (auto where = pf::FindZipDirectory(bytes, size); where.ok()) {
    if (where->offset + where->size <= size) {
      (void)pf::TorchZipHeader(bytes.subspan(where->offset, where->size), *where, size);
    }
  }
  (void)pf::NaturalSortKey(objectfs::fuzz::Text(data, size));
  return 0;
}
