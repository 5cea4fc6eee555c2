// Safetensors headers (Hugging Face's tensor file format), parsed and checked
// strictly, so that a loader can read the whole data region with one parallel
// read into one buffer and hand out views of it.
//
// Layout: 8 bytes little-endian N, then N bytes of JSON
//   {"__metadata__": {"k": "v"}, "name": {"dtype": "F32", "shape": [2, 3],
//                                         "data_offsets": [BEGIN, END]}, ...}
// then the data region, where each tensor owns [BEGIN, END). The tensors must
// tile the data region exactly: no overlap, no hole, nothing after the last.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "objectfs/status.hpp"
#include "objectfs/store.hpp"

namespace objectfs {

class Client;
class File;

namespace safetensors {

enum class DType {
  kBool,
  kU8,
  kI8,
  kF8E4M3,
  kF8E5M2,
  kF8E8M0,
  kI16,
  kU16,
  kF16,
  kBF16,
  kI32,
  kU32,
  kF32,
  kC64,
  kF64,
  kI64,
  kU64,
};

// The format's name ("BF16", "F8_E4M3", ...) and the bytes per element.
std::string_view DTypeName(DType dtype);
size_t DTypeSize(DType dtype);
// Errors name the unknown dtype.
Result<DType> ParseDType(std::string_view name);

struct TensorInfo {
  std::string name;
  DType dtype = DType::kU8;
  std::vector<uint64_t> shape;  // empty for a 0-d scalar
  uint64_t begin = 0;           // byte offsets within the data region
  uint64_t end = 0;
  uint64_t byte_size() const { return end - begin; }
};

struct Header {
  uint64_t data_offset = 0;         // where the data region starts in the file: 8 + N
  uint64_t data_size = 0;           // the data region runs to the end of the file
  std::vector<TensorInfo> tensors;  // ordered by begin offset
  std::map<std::string, std::string> metadata;
};

// Larger headers are refused (the reference implementation's limit).
inline constexpr uint64_t kMaxHeaderSize = 100'000'000;

// N from the first 8 bytes of a file of `file_size` bytes, checked against
// kMaxHeaderSize and the file's end. Thread-safe (pure).
Result<uint64_t> ParseHeaderLength(std::span<const std::byte> first8, uint64_t file_size);

// Parses and validates the N bytes of JSON that follow the first 8 bytes of a
// file of `file_size` bytes. Every error is kInvalidArgument and names what is
// wrong (tensor, dtype, offsets). Thread-safe (pure).
Result<Header> ParseHeader(std::string_view json, uint64_t file_size);

// Reads and validates the header of `file` in at most two reads through the
// File (pinned to the version seen at open, served by the memory and disk
// caches when they hold it; the first read is large enough for most headers).
// Errors carry the file's URI. Thread-safe.
Result<Header> ReadHeader(const File& file);
// Kept for callers written against the first API; `client` is not used.
Result<Header> ReadHeader(Client& client, const File& file);

// The planner's ranges, for loaders that fetch exactly what they need (read
// them with File::ReadRanges). Thread-safe (pure).
//
// The bytes of the box [start[d], stop[d]) of each dimension d of `tensor`,
// absolute offsets in the object: one range per contiguous run, in offset
// order (a box of whole rows is one range). Errors name the bad dimension.
Result<std::vector<ByteRange>> BoxRanges(const Header& header, const TensorInfo& tensor,
                                         const std::vector<uint64_t>& start,
                                         const std::vector<uint64_t>& stop);
// Sorted by offset; ranges that overlap or lie at most `max_gap` bytes apart merged.
std::vector<ByteRange> CoalesceRanges(std::vector<ByteRange> ranges, uint64_t max_gap);

// A sharded model's index (model.safetensors.index.json): which shard file
// holds each tensor.
struct ShardIndex {
  std::vector<std::pair<std::string, std::string>> weight_map;  // (tensor, shard), as listed
  std::vector<std::string> shards;                              // sorted, unique
};

// Parses the index `json` (named `index_name` in errors). Every shard must be
// a plain file name ending in .safetensors beside the index (no '/', no '\',
// so an index cannot point elsewhere); at most 10,000 shards. Errors are
// kInvalidArgument and name the index, the tensor and the shard. Thread-safe
// (pure).
Result<ShardIndex> ParseShardIndex(std::string_view json, std::string_view index_name);

}  // namespace safetensors
}  // namespace objectfs
