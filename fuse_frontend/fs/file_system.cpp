#include "fs/file_system.hpp"

#include <fcntl.h>

#include <algorithm>

#include "fs/file_handle.hpp"
#include "fs/mount_log.hpp"

namespace objectfs::mount {
namespace {

struct DirHandle {
  InodeId parent = kRootInode;  // d_ino of "..": the kernel does not use it
  std::string key;
  std::shared_ptr<const std::vector<DirEntry>> entries;
};

timespec ToTimespec(std::chrono::system_clock::time_point t) {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch());
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(ns.count() / 1000000000);
  ts.tv_nsec = static_cast<long>(ns.count() % 1000000000);
  return ts;
}

Status NoInode(InodeId ino) { return NotFound("inode " + std::to_string(ino)); }

}  // namespace

void OpenHandles::Remove(uint64_t id) {
  std::shared_ptr<void> released;  // destroyed outside the lock
  std::lock_guard lock(mu_);
  auto it = handles_.find(id);
  if (it == handles_.end()) return;
  released = std::move(it->second);
  handles_.erase(it);
}

FileSystem::FileSystem(std::unique_ptr<ObjectSource> source, FsConfig config,
                       MetadataCache::Options metadata)
    : source_(std::move(source)),
      config_(std::move(config)),
      metadata_(*source_, std::move(metadata)),
      inodes_(config_.root_key),
      mount_time_(std::chrono::system_clock::now()) {}

struct stat FileSystem::MakeStat(InodeId ino, const EntryAttr& attr) const {
  struct stat st {};
  st.st_ino = ino;
  st.st_uid = config_.uid;
  st.st_gid = config_.gid;
  st.st_blksize = 4096;
  if (attr.is_dir) {
    st.st_mode = S_IFDIR | config_.dir_mode;
    st.st_nlink = 2;
    st.st_size = 4096;
    st.st_mtim = ToTimespec(mount_time_);
  } else {
    st.st_mode = S_IFREG | config_.file_mode;
    st.st_nlink = 1;
    st.st_size = static_cast<off_t>(attr.size);
    st.st_mtim = ToTimespec(attr.mtime);
  }
  st.st_blocks = (st.st_size + 511) / 512;
  st.st_atim = st.st_mtim;
  st.st_ctim = st.st_mtim;
  return st;
}

Entry FileSystem::MakeEntry(InodeId ino, const EntryAttr& attr) const {
  Entry e;
  e.ino = ino;
  e.attr = MakeStat(ino, attr);
  e.attr_timeout = config_.timeout_s;
  e.entry_timeout = config_.timeout_s;
  return e;
}

// The attributes of an existing inode (looked up through the metadata cache);
// nullopt when its name is gone or now names the other type.
Result<std::optional<EntryAttr>> FileSystem::AttrOf(const InodeRef& node) {
  if (node.ino == kRootInode) return std::optional<EntryAttr>(EntryAttr{true, 0, {}, {}});
  std::string parent, name;
  SplitKey(node.key, &parent, &name);
  OBJECTFS_ASSIGN_OR_RETURN(auto attr, FindEntry(parent, name));
  if (!attr || attr->is_dir != node.is_dir) return std::optional<EntryAttr>();
  return attr;
}

Result<std::optional<EntryAttr>> FileSystem::FindEntry(const std::string& dir_key,
                                                       const std::string& name) {
  if (auto local = local_.Find(dir_key, name)) return local;
  return metadata_.Lookup(dir_key, name);
}

Result<Entry> FileSystem::Lookup(InodeId parent, std::string_view name) {
  auto dir = inodes_.Get(parent);
  if (!dir) return NoInode(parent);
  if (!dir->is_dir) return NotADirectory(dir->key);
  const std::string entry_name(name);
  OBJECTFS_ASSIGN_OR_RETURN(auto attr, FindEntry(dir->key, entry_name));
  if (!attr) {
    Entry negative;  // ino 0, cached by the kernel
    negative.entry_timeout = config_.negative_timeout_s;
    return negative;
  }
  const std::string key = dir->key + entry_name + (attr->is_dir ? "/" : "");
  return MakeEntry(inodes_.Ref(key, attr->is_dir), *attr);
}

void FileSystem::Forget(InodeId ino, uint64_t nlookup) { inodes_.Forget(ino, nlookup); }

Result<Entry> FileSystem::GetAttr(InodeId ino) {
  auto node = inodes_.Get(ino);
  if (!node) return NoInode(ino);
  OBJECTFS_ASSIGN_OR_RETURN(auto attr, AttrOf(*node));
  if (!attr) return NotFound(node->key);
  return MakeEntry(ino, *attr);
}

Result<uint64_t> FileSystem::OpenDir(InodeId ino) {
  auto node = inodes_.Get(ino);
  if (!node) return NoInode(ino);
  if (!node->is_dir) return NotADirectory(node->key);
  OBJECTFS_ASSIGN_OR_RETURN(auto entries, metadata_.ReadDir(node->key));
  auto handle = std::make_shared<DirHandle>();
  handle->key = node->key;
  const std::vector<DirEntry> local = local_.Children(node->key);
  if (local.empty()) {
    handle->entries = std::move(entries);
  } else {
    handle->entries = std::make_shared<const std::vector<DirEntry>>(MergeEntries(*entries, local));
  }
  return handles_.Add(std::move(handle));
}

void FileSystem::ReadDir(uint64_t handle, InodeId ino, uint64_t offset, bool plus,
                         const std::function<bool(const DirItem&)>& add) {
  const auto* dir = reinterpret_cast<const DirHandle*>(handle);
  const auto& entries = *dir->entries;
  const uint64_t total = entries.size() + 2;
  for (uint64_t i = offset; i < total; ++i) {
    DirItem item;
    item.next_offset = i + 1;
    InodeId ref = 0;
    if (i < 2) {
      item.name = i == 0 ? "." : "..";
      item.entry.attr.st_ino = i == 0 ? ino : dir->parent;
      item.entry.attr.st_mode = S_IFDIR;
    } else {
      const DirEntry& entry = entries[i - 2];
      item.name = entry.name.c_str();
      if (plus) {
        const std::string key = dir->key + entry.name + (entry.attr.is_dir ? "/" : "");
        ref = inodes_.Ref(key, entry.attr.is_dir);
        item.entry = MakeEntry(ref, entry.attr);
      } else {
        item.entry.attr.st_ino = 0xffffffff;  // unknown: the kernel looks names up
        item.entry.attr.st_mode = entry.attr.is_dir ? S_IFDIR : S_IFREG;
      }
    }
    if (!add(item)) {
      if (ref != 0) inodes_.Forget(ref, 1);
      break;
    }
  }
}

void FileSystem::ReleaseDir(uint64_t handle) { handles_.Remove(handle); }

Result<OpenedFile> FileSystem::Open(InodeId ino, int flags) {
  const bool writing = (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC) != 0;
  if (writing && !config_.read_write) {
    return ReadOnly("inode " + std::to_string(ino) + ": the mount is read-only");
  }
  auto node = inodes_.Get(ino);
  if (!node) return NoInode(ino);
  if (node->is_dir) return IsADirectory(node->key);
  if (local_.Writing(node->key) != nullptr) {
    return NotPermitted(node->key + ": being written; it can be opened once it is committed");
  }
  if (writing) {
    if (!config_.allow_overwrite || (flags & O_TRUNC) == 0 || (flags & O_ACCMODE) == O_RDONLY) {
      return NotPermitted(node->key +
                          ": an existing object can only be replaced whole, with "
                          "--allow-overwrite and O_TRUNC");
    }
    OBJECTFS_ASSIGN_OR_RETURN(uint64_t handle, StartWrite(ino, node->key, true, false));
    return OpenedFile{handle, false};
  }
  OBJECTFS_ASSIGN_OR_RETURN(std::shared_ptr<File> file, OpenForReading(*node));
  // The kernel's page cache of this inode holds bytes of the ETag seen at the
  // previous open: keep it only while the object is unchanged.
  const std::string previous = inodes_.ExchangeOpenETag(ino, file->ETag());
  OpenedFile opened;
  opened.keep_cache = previous == file->ETag();
  if (!previous.empty() && !opened.keep_cache) {
    Log(LogLevel::kInfo, "open " + node->key + ": object changed (ETag " + previous + " -> " +
                             file->ETag() + "), dropping cached pages");
  }
  opened.handle = handles_.Add(std::make_shared<FileHandle>(FileHandle{std::move(file), nullptr}));
  return opened;
}

Result<std::shared_ptr<File>> FileSystem::OpenForReading(const InodeRef& node) {
  if (config_.open_from_listing) {
    OBJECTFS_ASSIGN_OR_RETURN(auto attr, AttrOf(node));
    if (attr && !attr->is_dir && !attr->etag.empty()) {
      return source_->OpenListed(
          node.key, ObjectInfo{node.key, attr->size, attr->etag, attr->mtime, attr->version});
    }
  }
  return source_->Open(node.key);
}

Result<PinnedBytes> FileSystem::Read(uint64_t handle, int64_t offset, size_t size) {
  if (offset < 0) return InvalidArgument("read at negative offset " + std::to_string(offset));
  const auto* file = reinterpret_cast<const FileHandle*>(handle);
  if (file->file == nullptr) return NotPermitted(file->write->key + ": opened for writing only");
  return file->file->PReadPinned(static_cast<uint64_t>(offset), size);
}

void FileSystem::Release(uint64_t handle) {
  if (auto& write = reinterpret_cast<FileHandle*>(handle)->write; write != nullptr) {
    std::lock_guard lock(write->mu);
    if (write->phase == WriteState::Phase::kWriting) (void)Commit(*write);
  }
  handles_.Remove(handle);
}

struct statvfs FileSystem::StatFs() const {
  struct statvfs st {};
  st.f_bsize = 4096;
  st.f_frsize = 4096;
  st.f_blocks = 1ull << 40;  // 4 PiB: object stores have no fixed size
  st.f_files = 1ull << 32;
  if (config_.read_write) {  // programs that check for room before writing find it
    st.f_bfree = st.f_bavail = st.f_blocks;
    st.f_ffree = st.f_favail = st.f_files;
  }
  st.f_namemax = 255;
  st.f_flag = ST_NOSUID | ST_NODEV | (config_.read_write ? 0 : ST_RDONLY);
  return st;
}

}  // namespace objectfs::mount
