#include "prefetch/tensor_ranges.hpp"

#include <algorithm>
#include <numeric>

namespace objectfs::internal::prefetch {

std::vector<size_t> TensorOrder(const safetensors::Header& header, Order order) {
  std::vector<size_t> indexes;
  for (size_t i = 0; i < header.tensors.size(); ++i) {
    if (header.tensors[i].byte_size() > 0) indexes.push_back(i);
  }
  if (order == Order::kName) {
    // Plain byte order of the names, as Python's sorted() and Rust's sort give.
    std::sort(indexes.begin(), indexes.end(),
              [&](size_t a, size_t b) { return header.tensors[a].name < header.tensors[b].name; });
  }
  return indexes;
}

ByteRange TensorRange(const safetensors::Header& header, size_t index) {
  const auto& tensor = header.tensors[index];
  return {header.data_offset + tensor.begin, tensor.byte_size()};
}

std::vector<ByteRange> Coalesce(std::vector<ByteRange> ranges, uint64_t max_gap) {
  std::erase_if(ranges, [](const ByteRange& r) { return r.length == 0; });
  std::sort(ranges.begin(), ranges.end(),
            [](const ByteRange& a, const ByteRange& b) { return a.offset < b.offset; });
  std::vector<ByteRange> merged;
  for (const ByteRange& range : ranges) {
    if (!merged.empty() && range.offset <= merged.back().end() + max_gap) {
      ByteRange& last = merged.back();
      last.length = std::max(last.end(), range.end()) - last.offset;
    } else {
      merged.push_back(range);
    }
  }
  return merged;
}

Result<std::vector<ByteRange>> BoxRanges(const std::vector<uint64_t>& shape, uint64_t element_size,
                                         uint64_t base, const std::vector<uint64_t>& start,
                                         const std::vector<uint64_t>& stop) {
  const size_t dims = shape.size();
  if (start.size() != dims || stop.size() != dims) {
    return InvalidArgument("a box of " + std::to_string(start.size()) + " and " +
                           std::to_string(stop.size()) + " bounds for a tensor of " +
                           std::to_string(dims) + " dimensions");
  }
  for (size_t d = 0; d < dims; ++d) {
    if (start[d] > stop[d] || stop[d] > shape[d]) {
      return InvalidArgument("dimension " + std::to_string(d) + " of size " +
                             std::to_string(shape[d]) + " cannot hold [" +
                             std::to_string(start[d]) + ", " + std::to_string(stop[d]) + ")");
    }
    if (start[d] == stop[d]) return std::vector<ByteRange>{};
  }
  // stride[d]: bytes between neighbours along dimension d.
  std::vector<uint64_t> stride(dims + 1, element_size);
  for (size_t d = dims; d-- > 0;) stride[d] = stride[d + 1] * shape[d];
  // The trailing dimensions taken whole, and the one before them, make one run.
  size_t run_dim = dims;
  while (run_dim > 0 && start[run_dim - 1] == 0 && stop[run_dim - 1] == shape[run_dim - 1]) {
    --run_dim;
  }
  if (run_dim == 0) return std::vector<ByteRange>{{base, stride[0]}};
  const size_t inner = run_dim - 1;  // its range [start, stop) is contiguous
  const uint64_t run_length = (stop[inner] - start[inner]) * stride[inner + 1];

  std::vector<ByteRange> ranges;
  std::vector<uint64_t> index(start.begin(), start.begin() + static_cast<long>(inner));
  while (true) {
    uint64_t offset = base + start[inner] * stride[inner + 1];
    for (size_t d = 0; d < inner; ++d) offset += index[d] * stride[d + 1];
    ranges.push_back({offset, run_length});
    // The next index of the outer dimensions, last one fastest.
    size_t d = inner;
    while (d > 0) {
      --d;
      if (++index[d] < stop[d]) break;
      index[d] = start[d];
      if (d == 0) return ranges;
    }
    if (inner == 0) return ranges;
  }
}

}  // namespace objectfs::internal::prefetch
