// The FUSE low-level operations of the read-only file system.
#pragma once

#include <fuse_lowlevel.h>
#include <sys/types.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "fs_inodes.hpp"
#include "fs_metadata.hpp"
#include "objectfs/client.hpp"

namespace objectfs::mount {

struct FsConfig {
  std::string uri_base;  // "s3://bucket/": an object's URI is uri_base + key
  std::string root_key;  // the mount's prefix: "" or ending in '/'
  uid_t uid = 0;
  gid_t gid = 0;
  mode_t file_mode = 0444;
  mode_t dir_mode = 0555;
  double timeout_s = 60;          // kernel entry/attr timeout
  double negative_timeout_s = 5;  // kernel negative-entry timeout
  uint64_t max_readahead = 1 << 20;
};

// Open file and directory handles (fi->fh is the address of one). Owned here
// so that handles the kernel never released (the mount stopped first) are
// freed with the context. Thread-safe.
class OpenHandles {
 public:
  template <typename T>
  uint64_t Add(std::shared_ptr<T> handle) {
    const auto id = reinterpret_cast<uint64_t>(handle.get());
    std::lock_guard lock(mu_);
    handles_[id] = std::move(handle);
    return id;
  }
  void Remove(uint64_t id) {
    std::shared_ptr<void> released;  // destroyed outside the lock
    std::lock_guard lock(mu_);
    auto it = handles_.find(id);
    if (it == handles_.end()) return;
    released = std::move(it->second);
    handles_.erase(it);
  }

 private:
  std::mutex mu_;
  std::unordered_map<uint64_t, std::shared_ptr<void>> handles_;
};

struct FsContext {
  FsContext(std::shared_ptr<Client> c, std::shared_ptr<ObjectStore> store, FsConfig cfg,
            std::chrono::milliseconds metadata_ttl)
      : client(std::move(c)),
        config(std::move(cfg)),
        metadata(std::move(store), metadata_ttl),
        inodes(config.root_key),
        mount_time(std::chrono::system_clock::now()) {}

  std::shared_ptr<Client> client;
  FsConfig config;
  MetadataCache metadata;
  InodeTable inodes;
  std::chrono::system_clock::time_point mount_time;
  OpenHandles handles;
};

// Operations for fuse_session_new; the userdata must be a FsContext*.
const fuse_lowlevel_ops& FsOperations();

}  // namespace objectfs::mount
