// Local files as an object store: keys are paths. The ETag is derived from
// (device, inode, size, mtime), so a file rewritten under an open File is
// reported as changed, like a remote object.
#pragma once

#include "objectfs/store.hpp"

namespace objectfs::internal {

class FileStore : public ObjectStore {
 public:
  std::string Describe() const override { return "file://"; }
  StoreCapabilities Capabilities() const override { return {.local = true}; }
  Result<ObjectInfo> Stat(std::string_view key) override;
  Result<size_t> Read(std::string_view key, ByteRange range, std::span<std::byte> out,
                      const ReadConditions& conditions) override;
  // Lists the directory part of request.prefix; keys are paths.
  Result<ListPage> List(const ListRequest& request) override;
};

}  // namespace objectfs::internal
