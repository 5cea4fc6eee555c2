// The data records of a PyTorch checkpoint (torch.save's zip: `<archive>/
// data.pkl`, then one stored record `<archive>/data/<key>` per storage) as a
// safetensors::Header the PrefetchPlan can follow. torch.save writes the
// records in the byte order of their keys ("0", "1", "10", "100", ...) while
// torch.load reads them in the numeric order the pickle names them, so each
// record becomes a tensor whose name sorts like its number. Pure functions;
// thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "objectfs/safetensors.hpp"
#include "objectfs/status.hpp"

namespace objectfs::internal::prefetch {

// Whether `key` names a file torch.save may have written.
bool IsTorchCheckpointName(std::string_view key);

// Where the zip's central directory lies, from the end of central directory
// record (and its zip64 form) in `tail`, the last bytes of a `file_size`-byte file.
struct ZipDirectory {
  uint64_t offset = 0;
  uint64_t size = 0;
  uint64_t entries = 0;
};
Result<ZipDirectory> FindZipDirectory(std::span<const std::byte> tail, uint64_t file_size);

// The central directory's bytes -> the data records, each running to the
// next entry in the file. Errors name what is wrong; a zip with no data
// records (not a checkpoint) is one.
Result<safetensors::Header> TorchZipHeader(std::span<const std::byte> directory,
                                           const ZipDirectory& where, uint64_t file_size);

}  // namespace objectfs::internal::prefetch
