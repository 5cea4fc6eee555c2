// The planner's range functions (lib/prefetch/) behind the public
// safetensors API, for loaders outside the library (Python's safe_open).
#include "objectfs/safetensors.hpp"
#include "prefetch/tensor_ranges.hpp"

namespace objectfs::safetensors {

Result<std::vector<ByteRange>> BoxRanges(const Header& header, const TensorInfo& tensor,
                                         const std::vector<uint64_t>& start,
                                         const std::vector<uint64_t>& stop) {
  auto ranges = internal::prefetch::BoxRanges(tensor.shape, DTypeSize(tensor.dtype),
                                              header.data_offset + tensor.begin, start, stop);
  if (!ranges.ok()) return ranges.status().WithContext("tensor '" + tensor.name + "'");
  return ranges;
}

std::vector<ByteRange> CoalesceRanges(std::vector<ByteRange> ranges, uint64_t max_gap) {
  return internal::prefetch::Coalesce(std::move(ranges), max_gap);
}

}  // namespace objectfs::safetensors
