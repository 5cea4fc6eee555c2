// The mount's file system, without FUSE: inodes, lookups, attributes,
// directory listings, open files and (read-write mounts) sequential uploads
// over an ObjectSource, in plain structs (POSIX stat / statvfs) with errors as
// Status. fuse_adapter.cpp turns these into libfuse replies; unit tests call
// them directly. The write rules are in docs/mount.md ("Writing").
#pragma once

#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "fs/inodes.hpp"
#include "fs/local_entries.hpp"
#include "fs/metadata.hpp"
#include "fs/mount_metrics.hpp"
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
  uint64_t memory_budget = 256 << 20;  // the Client's (Client::MemoryBudget)
  // Opens pin the ETag the listing gave (no HEAD per open) instead of the one
  // a HEAD at open sees (close-to-open): for a metadata TTL of `indefinite`,
  // which says the objects under the mount do not change.
  bool open_from_listing = false;
  // Writes: off, every change is ReadOnly (EROFS). On: new files upload
  // sequentially; replacing an object needs allow_overwrite (and O_TRUNC);
  // unlink and rmdir of a directory in the bucket need allow_delete.
  bool read_write = false;
  bool allow_overwrite = false;
  bool allow_delete = false;
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

struct CreatedFile {
  Entry entry;  // its inode is referenced, as by Lookup
  uint64_t handle = 0;
};

// What a setattr asks to change (times are accepted and not kept).
struct AttrChange {
  std::optional<mode_t> mode;  // permission bits
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
  std::optional<uint64_t> size;
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
  // The adapter's counters of FUSE operations (exported by the mount).
  MountMetrics& metrics() { return *metrics_; }
  std::shared_ptr<MountMetrics> shared_metrics() const { return metrics_; }

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

  // `flags` as open(2). Writing (read_write only) replaces the object: it
  // needs allow_overwrite and O_TRUNC, else NotPermitted. A file being
  // written cannot be opened again until it is committed (NotPermitted).
  Result<OpenedFile> Open(InodeId ino, int flags);
  // Up to `size` bytes at `offset`, pinned to the ETag seen at Open, left in
  // the memory cache's buffers (empty at or past the end).
  Result<PinnedBytes> Read(uint64_t handle, int64_t offset, size_t size);
  // Commits a file still being written (errors only logged: nobody waits).
  void Release(uint64_t handle);

  // Writes (fs/file_writes.cpp). All are ReadOnly unless config.read_write.

  // create(2) of NAME in `parent` (`flags` as open(2)): opens it for writing.
  Result<CreatedFile> Create(InodeId parent, std::string_view name, int flags);
  // Appends `bytes` at `offset`, which must be the bytes written so far: else
  // InvalidArgument and the upload is aborted. After a commit: InvalidArgument.
  // A failed upload: kDataLoss naming why.
  Result<size_t> Write(uint64_t handle, int64_t offset, std::span<const std::byte> bytes);
  // close(2): commits once bytes were written (an empty file at Release), so
  // that close() reports a failed upload (kDataLoss).
  Status Flush(uint64_t handle);
  // fsync(2): commits now, written or not.
  Status Fsync(uint64_t handle);
  // Only a size equal to the bytes written so far of a file being written
  // (ftruncate(fd, 0) after O_TRUNC), and a mode or owner the file already
  // has (tar and shutil.copy restore them); other changes: NotPermitted.
  Result<Entry> SetAttr(InodeId ino, const AttrChange& change);
  // A directory that exists in this mount only, until a file is written in it.
  Result<Entry> MakeDir(InodeId parent, std::string_view name);
  Status Unlink(InodeId parent, std::string_view name);
  // Empty directories only (AlreadyExists otherwise); one in the bucket (a
  // marker object) needs allow_delete, a local one does not.
  Status RemoveDir(InodeId parent, std::string_view name);
  // rename, link, symlink, mknod: ReadOnly or NotPermitted, naming `what`.
  Status Unsupported(std::string_view what) const;

  struct statvfs StatFs() const;

 private:
  const std::shared_ptr<MountMetrics> metrics_ = std::make_shared<MountMetrics>();
  struct stat MakeStat(InodeId ino, const EntryAttr& attr) const;
  Entry MakeEntry(InodeId ino, const EntryAttr& attr) const;
  Result<std::optional<EntryAttr>> AttrOf(const InodeRef& node);
  // A File of `node` for reading: see FsConfig::open_from_listing.
  Result<std::shared_ptr<File>> OpenForReading(const InodeRef& node);
  // NAME in `dir_key`: what this mount holds locally, else the bucket's.
  Result<std::optional<EntryAttr>> FindEntry(const std::string& dir_key, const std::string& name);
  Result<InodeRef> WritableDir(InodeId parent) const;
  Result<uint64_t> StartWrite(InodeId ino, const std::string& key, bool overwrite, bool exclusive);
  Status Commit(WriteState& state);
  Status FailWrite(WriteState& state, const Status& cause);

  const std::unique_ptr<ObjectSource> source_;
  const FsConfig config_;
  MetadataCache metadata_;
  InodeTable inodes_;
  LocalEntries local_;
  const std::chrono::system_clock::time_point mount_time_;
  OpenHandles handles_;
};

}  // namespace objectfs::mount
