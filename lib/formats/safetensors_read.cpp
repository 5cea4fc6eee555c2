// Reading a safetensors header from an object: at most two reads through the
// File, so they are pinned to the version seen at open like every other read.
#include <vector>

#include "objectfs/client.hpp"
#include "objectfs/file.hpp"
#include "objectfs/safetensors.hpp"

namespace objectfs::safetensors {
namespace {

// Large enough for the headers of most checkpoints (a few hundred tensors take
// tens of KiB), small enough that the wasted tail costs little.
constexpr uint64_t kFirstRead = 256 << 10;

// File::PRead fails on a short read inside the object, so a count is a full one.
Status ReadExactly(const File& file, uint64_t offset, std::span<std::byte> out) {
  auto n = file.PRead(offset, out);
  return n.ok() ? Status::Ok() : n.status();
}

}  // namespace

Result<Header> ReadHeader(const File& file) {
  const uint64_t size = file.Size();
  std::vector<std::byte> bytes(static_cast<size_t>(std::min(size, kFirstRead)));
  if (size >= 8) OBJECTFS_RETURN_IF_ERROR(ReadExactly(file, 0, bytes));
  auto length = ParseHeaderLength(bytes, size);
  if (!length.ok()) return length.status().WithContext(file.uri().ToString());
  if (8 + *length > bytes.size()) {
    const size_t have = bytes.size();
    bytes.resize(static_cast<size_t>(8 + *length));
    OBJECTFS_RETURN_IF_ERROR(ReadExactly(file, have, std::span(bytes).subspan(have)));
  }
  const std::string_view json(reinterpret_cast<const char*>(bytes.data()) + 8,
                              static_cast<size_t>(*length));
  auto header = ParseHeader(json, size);
  if (!header.ok()) return header.status().WithContext(file.uri().ToString());
  return header;
}

Result<Header> ReadHeader(Client&, const File& file) { return ReadHeader(file); }

}  // namespace objectfs::safetensors
