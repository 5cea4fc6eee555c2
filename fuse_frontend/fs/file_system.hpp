// The mount's read-only file system, without FUSE: inodes, lookups, attributes,
// directory listings and open files over an ObjectSource, in plain structs
// (POSIX stat / statvfs) with errors as Status. fuse_adapter.cpp turns these
// into libfuse replies; unit tests call them directly.
#pragma once

#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "fs/inodes.hpp"
#include "fs/metadata.hpp"
#include "fs/object_source.hpp"
#include "objectfs/file.hpp"

namespace objectfs::mount {

struct FsConfig {
  std::string root_key;  // the mount's prefix: "" or ending in '/'
  uid_t uid = 0;
  gid_t gid = 0;
  mode_t file_mode = 0444;
  mode_t dir_mode = 0555;
  double timeout_s = 60;          // kernel entry/attr timeout
  double negative_timeout_s = 5;  // kernel negative-entry timeout
  uint64_t max_readahead = 1 << 20;
};

// A name as the kernel caches it: its inode (0: a negative entry, "no such
// name", cached for entry_timeout) and attributes.
struct Entry {
  InodeId ino = 0;
  struct stat attr {};
  double attr_timeout = 0;
  double entry_timeout = 0;
};

// One item of a directory listing. With readdirplus `entry` is complete (and
// its inode referenced); otherwise only attr.st_ino and the type in
// attr.st_mode are set.
struct DirItem {
  const char* name = nullptr;  // valid while `add` runs
  Entry entry;
  uint64_t next_offset = 0;  // the offset that continues after this item
};

struct OpenedFile {
  uint64_t handle = 0;
  bool keep_cache = false;  // the kernel's cached pages of this inode are still valid
};

// Open file and directory handles (their addresses are the handle numbers).
// Owned here so that handles the kernel never released (the mount stopped
// first) are freed with the file system. Thread-safe.
class OpenHandles {
 public:
  template <typename T>
  uint64_t Add(std::shared_ptr<T> handle) {
    const auto id = reinterpret_cast<uint64_t>(handle.get());
    std::lock_guard lock(mu_);
    handles_[id] = std::move(handle);
    return id;
  }
  void Remove(uint64_t id);

 private:
  std::mutex mu_;
  std::unordered_map<uint64_t, std::shared_ptr<void>> handles_;
};

// Every method is thread-safe. Handles are those this object returned and
// not yet released.
class FileSystem {
 public:
  FileSystem(std::unique_ptr<ObjectSource> source, FsConfig config,
             MetadataCache::Options metadata);

  const FsConfig& config() const { return config_; }

  // `name` in directory `parent`; references the inode found (Forget drops it).
  // A name that does not exist is an Entry with ino 0, not an error.
  Result<Entry> Lookup(InodeId parent, std::string_view name);
  void Forget(InodeId ino, uint64_t nlookup);
  Result<Entry> GetAttr(InodeId ino);

  // Lists the directory (one listing per TTL) and keeps the names for ReadDir.
  Result<uint64_t> OpenDir(InodeId ino);
  // Hands `add` the items of open directory `handle` (inode `ino`) from
  // `offset` on: 0 is ".", 1 is "..", then the names in order. Stops when
  // `add` returns false (the reply is full); with `plus`, the inode of that
  // refused item is forgotten again.
  void ReadDir(uint64_t handle, InodeId ino, uint64_t offset, bool plus,
               const std::function<bool(const DirItem&)>& add);
  void ReleaseDir(uint64_t handle);

  // `flags` as open(2): anything but a read-only open is ReadOnly.
  Result<OpenedFile> Open(InodeId ino, int flags);
  // Up to `size` bytes at `offset`, pinned to the ETag seen at Open, left in
  // the memory cache's buffers (empty at or past the end).
  Result<PinnedBytes> Read(uint64_t handle, int64_t offset, size_t size);
  void Release(uint64_t handle);

  struct statvfs StatFs() const;

 private:
  struct stat MakeStat(InodeId ino, const EntryAttr& attr) const;
  Entry MakeEntry(InodeId ino, const EntryAttr& attr) const;
  Result<std::optional<EntryAttr>> AttrOf(const InodeRef& node);

  const std::unique_ptr<ObjectSource> source_;
  const FsConfig config_;
  MetadataCache metadata_;
  InodeTable inodes_;
  const std::chrono::system_clock::time_point mount_time_;
  OpenHandles handles_;
};

}  // namespace objectfs::mount
