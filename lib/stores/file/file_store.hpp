// Local files as an object store: keys are paths. The ETag is derived from
// (device, inode, size, mtime), so a file rewritten under an open File is
// reported as changed, like a remote object.
#pragma once

#include <sys/stat.h>

#include "objectfs/store.hpp"

namespace objectfs::internal {

// errno as a Status naming the path: ENOENT not found, EACCES denied, ...
Status ErrnoStatus(int err, std::string_view path);
// The metadata of a file: size, mtime and an ETag of (device, inode, size, mtime).
ObjectInfo InfoOf(std::string key, const struct stat& st);

class FileStore : public ObjectStore {
 public:
  std::string Describe() const override { return "file://"; }
  StoreCapabilities Capabilities() const override;
  Result<ObjectInfo> Stat(std::string_view key) override;
  Result<size_t> Read(std::string_view key, ByteRange range, std::span<std::byte> out,
                      const ReadConditions& conditions) override;
  // Lists the directory part of request.prefix; keys are paths.
  Result<ListPage> List(const ListRequest& request) override;

  // Writes (file_writes.cpp), making the target's directories as needed:
  // into a temporary file beside the target
  // (0600 until committed), fsync'ed and renamed over it at commit, so a
  // reader sees the old file or the whole new one. if_none_match commits
  // with link(2), which fails when the target exists.
  Result<ObjectInfo> Put(std::string_view key, std::span<const std::byte> bytes,
                         const WriteConditions& conditions) override;
  Result<std::unique_ptr<StoreUpload>> StartUpload(std::string_view key,
                                                   const WriteConditions& conditions) override;
  Status Delete(std::string_view key) override;
};

}  // namespace objectfs::internal
