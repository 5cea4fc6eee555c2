// objectfs._objectfs.read_safetensors_header: the validated header of an open
// file (objectfs/safetensors.py turns it into tensors), the shard index's
// check (the one the library's shard warming uses), and the planner's
// exact reads: box ranges, coalescing and read_ranges for safe_open slices
// and subset loads.
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "errors.hpp"
#include "objectfs/safetensors.hpp"

namespace py = pybind11;
using namespace py::literals;

namespace objectfs::python {
namespace {

py::dict ReadHeader(const OpenFile& f) {
  safetensors::Header header = Unwrap(WithoutGil([&] { return safetensors::ReadHeader(*f.file); }));
  py::list tensors;
  for (const auto& t : header.tensors) {
    py::tuple shape(t.shape.size());
    for (size_t i = 0; i < t.shape.size(); ++i) shape[i] = py::int_(t.shape[i]);
    tensors.append(py::make_tuple(t.name, std::string(safetensors::DTypeName(t.dtype)), shape,
                                  t.begin, t.end));
  }
  return py::dict("data_offset"_a = header.data_offset, "data_size"_a = header.data_size,
                  "tensors"_a = tensors, "metadata"_a = header.metadata);
}

using RangeList = std::vector<std::pair<uint64_t, uint64_t>>;  // (offset, length)

RangeList ToPairs(const std::vector<ByteRange>& ranges) {
  RangeList pairs;
  for (const ByteRange& r : ranges) pairs.emplace_back(r.offset, r.length);
  return pairs;
}

std::vector<ByteRange> FromPairs(const RangeList& pairs) {
  std::vector<ByteRange> ranges;
  for (const auto& [offset, length] : pairs) ranges.push_back({offset, length});
  return ranges;
}

RangeList BoxRanges(const std::vector<uint64_t>& shape, const std::string& dtype, uint64_t base,
                    const std::vector<uint64_t>& start, const std::vector<uint64_t>& stop) {
  safetensors::Header header;
  header.data_offset = base;
  safetensors::TensorInfo tensor;
  tensor.dtype = Unwrap(safetensors::ParseDType(dtype));
  tensor.shape = shape;
  return ToPairs(Unwrap(safetensors::BoxRanges(header, tensor, start, stop)));
}

// Fills buffer[at[i] : at[i] + length_i] with range i, GIL released.
void ReadRanges(const OpenFile& f, const RangeList& pairs, py::buffer buffer,
                const std::vector<uint64_t>& at) {
  py::buffer_info info = buffer.request(/*writable=*/true);
  if (info.ndim != 1 || info.itemsize != 1 || info.strides[0] != 1) {
    throw py::value_error("read_ranges needs a contiguous byte buffer");
  }
  if (at.size() != pairs.size()) throw py::value_error("read_ranges needs one position per range");
  const std::vector<ByteRange> ranges = FromPairs(pairs);
  std::span<std::byte> whole(static_cast<std::byte*>(info.ptr), static_cast<size_t>(info.size));
  std::vector<std::span<std::byte>> outs;
  for (size_t i = 0; i < ranges.size(); ++i) {
    if (at[i] > whole.size() || ranges[i].length > whole.size() - at[i]) {
      throw py::value_error("read_ranges: range " + std::to_string(i) + " does not fit the buffer");
    }
    outs.push_back(
        whole.subspan(static_cast<size_t>(at[i]), static_cast<size_t>(ranges[i].length)));
  }
  Check(WithoutGil([&] { return f.file->ReadRanges(ranges, outs); }));
}

}  // namespace

void RegisterSafetensors(py::module_& m) {
  m.def("read_safetensors_header", &ReadHeader, "file"_a,
        "Reads and validates a safetensors header in at most two requests: a dict with "
        "data_offset, data_size, metadata and tensors [(name, dtype, shape, begin, end)] in "
        "offset order; offsets are relative to the data region. Raises ValueError naming "
        "what is malformed.");
  m.def(
      "parse_shard_index",
      [](const std::string& json, const std::string& index_name) {
        return Unwrap(safetensors::ParseShardIndex(json, index_name)).weight_map;
      },
      "json"_a, "index_name"_a,
      "The [(tensor, shard)] of a model.safetensors.index.json, as listed; every shard a "
      ".safetensors file name beside the index. Raises ValueError naming the index, the "
      "tensor and the shard.");
  m.def("box_ranges", &BoxRanges, "shape"_a, "dtype"_a, "base"_a, "start"_a, "stop"_a,
        "The (offset, length) byte ranges of the box [start, stop) of a C-order tensor whose "
        "data starts at `base`: one per contiguous run, in offset order.");
  m.def(
      "coalesce_ranges",
      [](const RangeList& pairs, uint64_t max_gap) {
        return ToPairs(safetensors::CoalesceRanges(FromPairs(pairs), max_gap));
      },
      "ranges"_a, "max_gap"_a,
      "(offset, length) ranges sorted, with overlapping ones and those at most max_gap bytes "
      "apart merged.");
  m.def("read_ranges", &ReadRanges, "file"_a, "ranges"_a, "buffer"_a, "at"_a,
        "Reads exactly these (offset, length) ranges of the file, range i into "
        "buffer[at[i]:], all in parallel (File::ReadRanges: no readahead, no caching).");
  m.def(
      "disable_format_prefetch", [](const OpenFile& f) { f.file->DisableFormatPrefetch(); },
      "file"_a,
      "Turns off the format-aware prefetch of this file: for loaders that read exactly what "
      "they need.");
}

}  // namespace objectfs::python
