// Reading a safetensors header from an object: at most two ranged reads, both
// pinned to the ETag the File saw at open.
#include <vector>

#include "objectfs/client.hpp"
#include "objectfs/file.hpp"
#include "objectfs/safetensors.hpp"

namespace objectfs::safetensors {
namespace {

// Large enough for the headers of most checkpoints (a few hundred tensors take
// tens of KiB), small enough that the wasted tail costs little.
constexpr uint64_t kFirstRead = 256 << 10;

Status ReadExactly(ObjectStore& store, const File& file, uint64_t offset,
                   std::span<std::byte> out) {
  auto n = store.Read(file.uri().key, {offset, out.size()}, out, {file.ETag()});
  if (!n.ok()) return n.status();
  if (*n != out.size()) {
    return DataLoss("got " + std::to_string(*n) + " of " + std::to_string(out.size()) +
                    " header bytes at offset " + std::to_string(offset) +
                    " although the ETag is unchanged");
  }
  return Status::Ok();
}

Result<Header> ReadHeaderFrom(ObjectStore& store, const File& file) {
  const uint64_t size = file.Size();
  std::vector<std::byte> bytes(static_cast<size_t>(std::min(size, kFirstRead)));
  if (size >= 8) OBJECTFS_RETURN_IF_ERROR(ReadExactly(store, file, 0, bytes));
  OBJECTFS_ASSIGN_OR_RETURN(uint64_t length, ParseHeaderLength(bytes, size));
  if (8 + length > bytes.size()) {
    const size_t have = bytes.size();
    bytes.resize(static_cast<size_t>(8 + length));
    OBJECTFS_RETURN_IF_ERROR(ReadExactly(store, file, have, std::span(bytes).subspan(have)));
  }
  const std::string_view json(reinterpret_cast<const char*>(bytes.data()) + 8,
                              static_cast<size_t>(length));
  return ParseHeader(json, size);
}

}  // namespace

Result<Header> ReadHeader(Client& client, const File& file) {
  auto store = client.StoreFor(file.uri());
  if (!store.ok()) return store.status().WithContext(file.uri().ToString());
  auto header = ReadHeaderFrom(**store, file);
  if (!header.ok()) return header.status().WithContext(file.uri().ToString());
  return header;
}

}  // namespace objectfs::safetensors
