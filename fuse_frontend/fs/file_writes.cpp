// The write side of the mount's file system: create, sequential writes into a
// Writer, commit at flush/fsync/release, mkdir, unlink, rmdir, setattr.
#include <fcntl.h>

#include "fs/file_handle.hpp"
#include "fs/file_system.hpp"
#include "fs/mount_log.hpp"

namespace objectfs::mount {
namespace {

using Phase = WriteState::Phase;

WriteState& StateOf(uint64_t handle) { return *reinterpret_cast<FileHandle*>(handle)->write; }

bool IsWriteHandle(uint64_t handle) {
  return reinterpret_cast<const FileHandle*>(handle)->write != nullptr;
}

Status NotWritable() { return ReadOnly("the mount is read-only (mount with --read-write)"); }

}  // namespace

Result<InodeRef> FileSystem::WritableDir(InodeId parent) const {
  if (!config_.read_write) return NotWritable();
  auto dir = inodes_.Get(parent);
  if (!dir) return NotFound("inode " + std::to_string(parent));
  if (!dir->is_dir) return NotADirectory(dir->key);
  return *dir;
}

Status FileSystem::Unsupported(std::string_view what) const {
  if (!config_.read_write) return NotWritable();
  return NotPermitted(std::string(what) + " is not supported: objects are written whole, once");
}

Result<uint64_t> FileSystem::StartWrite(InodeId ino, const std::string& key, bool overwrite,
                                        bool exclusive) {
  auto state = std::make_shared<WriteState>();
  state->ino = ino;
  state->key = key;
  state->started = std::chrono::system_clock::now();
  if (!local_.StartWriting(state)) {
    return NotPermitted(key + ": already being written by another open");
  }
  WriteOptions options;
  // A new file must not replace an object someone else created meanwhile.
  options.no_overwrite = !overwrite;
  options.check_destination = false;  // the mount checked the bucket when it started
  auto writer = source_->Create(key, options);
  if (!writer.ok()) {
    local_.DoneWriting(*state);
    if (writer.status().code() == StatusCode::kAlreadyExists && !exclusive) {
      return NotPermitted(key + ": exists; replacing it needs --allow-overwrite and O_TRUNC");
    }
    return writer.status();
  }
  state->writer = std::move(*writer);
  if (LogEnabled(LogLevel::kDebug)) {
    Log(LogLevel::kDebug, std::string(overwrite ? "replacing " : "creating ") + key);
  }
  return handles_.Add(std::make_shared<FileHandle>(FileHandle{nullptr, std::move(state)}));
}

Result<CreatedFile> FileSystem::Create(InodeId parent, std::string_view name, int flags) {
  OBJECTFS_ASSIGN_OR_RETURN(InodeRef dir, WritableDir(parent));
  const std::string entry_name(name);
  if (!MetadataCache::ValidName(entry_name)) {
    return InvalidArgument("'" + entry_name + "' is not a valid file name");
  }
  const std::string key = dir.key + entry_name;
  if (local_.Writing(key) != nullptr) return NotPermitted(key + ": already being written");
  OBJECTFS_ASSIGN_OR_RETURN(auto existing, FindEntry(dir.key, entry_name));
  bool overwrite = false;
  if (existing) {
    if (existing->is_dir) return IsADirectory(key);
    if ((flags & O_EXCL) != 0) return AlreadyExists(key);
    if (!config_.allow_overwrite || (flags & O_TRUNC) == 0) {
      return NotPermitted(key + ": exists; replacing it needs --allow-overwrite and O_TRUNC");
    }
    overwrite = true;
  }
  const InodeId ino = inodes_.Ref(key, false);
  auto handle = StartWrite(ino, key, overwrite, (flags & O_EXCL) != 0);
  if (!handle.ok()) {
    inodes_.Forget(ino, 1);
    return handle.status();
  }
  CreatedFile created;
  created.entry = MakeEntry(ino, EntryAttr{false, 0, {}, std::chrono::system_clock::now()});
  created.handle = *handle;
  return created;
}

Status FileSystem::FailWrite(WriteState& state, const Status& cause) {
  if (state.writer != nullptr) {
    (void)state.writer->Abort();
    state.writer.reset();
  }
  state.phase = Phase::kFailed;
  state.failure = DataLoss("upload of " + state.key +
                           " failed, the object was not written: " + cause.ToString());
  local_.DoneWriting(state);
  Log(LogLevel::kError, state.failure.ToString());
  return state.failure;
}

// Called with state.mu held.
Status FileSystem::Commit(WriteState& state) {
  if (state.phase == Phase::kCommitted) return Status::Ok();
  if (state.phase == Phase::kFailed) return state.failure;
  auto info = state.writer->Close();
  state.writer.reset();
  if (!info.ok()) return FailWrite(state, info.status());
  state.phase = Phase::kCommitted;
  std::string parent, name;
  SplitKey(state.key, &parent, &name);
  EntryAttr attr{false, info->size, info->etag, info->mtime};
  if (attr.mtime == std::chrono::system_clock::time_point{}) {
    attr.mtime = std::chrono::system_clock::now();
  }
  // The metadata first: once the key leaves the local entries, lookups ask it.
  metadata_.Update(parent, name, attr);
  local_.DoneWriting(state);
  if (LogEnabled(LogLevel::kDebug)) {
    Log(LogLevel::kDebug, "committed " + state.key + " (" + std::to_string(info->size) + " bytes)");
  }
  return Status::Ok();
}

Result<size_t> FileSystem::Write(uint64_t handle, int64_t offset,
                                 std::span<const std::byte> bytes) {
  if (!IsWriteHandle(handle)) return InvalidArgument("write to a file opened for reading");
  WriteState& state = StateOf(handle);
  std::lock_guard lock(state.mu);
  if (state.phase == Phase::kFailed) return state.failure;
  if (state.phase == Phase::kCommitted) {
    return InvalidArgument(state.key + ": written after it was committed (by close or fsync)");
  }
  const uint64_t written = state.written.load();
  if (offset < 0 || static_cast<uint64_t>(offset) != written) {
    const Status refused =
        InvalidArgument(state.key + ": write at offset " + std::to_string(offset) + " after " +
                        std::to_string(written) + " bytes: files are written sequentially only");
    if (!state.warned_non_sequential) {
      state.warned_non_sequential = true;
      Log(LogLevel::kWarn, refused.message() + "; the upload is aborted");
    }
    (void)FailWrite(state, refused);
    return refused;
  }
  Status status = state.writer->Write(bytes);
  if (!status.ok()) return FailWrite(state, status);
  state.written.store(written + bytes.size());
  return bytes.size();
}

Status FileSystem::Flush(uint64_t handle) {
  if (!IsWriteHandle(handle)) return Status::Ok();
  WriteState& state = StateOf(handle);
  std::lock_guard lock(state.mu);
  // Nothing written yet: the shell's `>` opens, dup2s and closes the first
  // descriptor before the program writes; the empty file commits at release.
  if (state.phase == Phase::kWriting && state.written.load() == 0) return Status::Ok();
  return Commit(state);
}

Status FileSystem::Fsync(uint64_t handle) {
  if (!IsWriteHandle(handle)) return Status::Ok();
  WriteState& state = StateOf(handle);
  std::lock_guard lock(state.mu);
  return Commit(state);
}

Result<Entry> FileSystem::SetAttr(InodeId ino, const AttrChange& change) {
  if (!config_.read_write) return NotWritable();
  auto node = inodes_.Get(ino);
  if (!node) return NotFound("inode " + std::to_string(ino));
  const mode_t mode = node->is_dir ? config_.dir_mode : config_.file_mode;
  if ((change.mode && (*change.mode & 07777) != mode) ||
      (change.uid && *change.uid != config_.uid) || (change.gid && *change.gid != config_.gid)) {
    return NotPermitted(node->key + ": chmod and chown are not supported (every file has the " +
                        "mount's --uid, --gid and --file-mode)");
  }
  if (change.size) {
    auto state = node->is_dir ? nullptr : local_.Writing(node->key);
    if (state == nullptr || *change.size != state->written.load()) {
      return NotPermitted(node->key +
                          ": truncate is not supported (replace a file whole: open it with "
                          "O_TRUNC on a mount with --allow-overwrite)");
    }
  }
  return GetAttr(ino);
}

Result<Entry> FileSystem::MakeDir(InodeId parent, std::string_view name) {
  OBJECTFS_ASSIGN_OR_RETURN(InodeRef dir, WritableDir(parent));
  const std::string entry_name(name);
  if (!MetadataCache::ValidName(entry_name)) {
    return InvalidArgument("'" + entry_name + "' is not a valid file name");
  }
  OBJECTFS_ASSIGN_OR_RETURN(auto existing, FindEntry(dir.key, entry_name));
  const std::string key = dir.key + entry_name + "/";
  if (existing || !local_.AddDir(key)) return AlreadyExists(dir.key + entry_name);
  return MakeEntry(inodes_.Ref(key, true), EntryAttr{true, 0, {}, {}});
}

Status FileSystem::Unlink(InodeId parent, std::string_view name) {
  OBJECTFS_ASSIGN_OR_RETURN(InodeRef dir, WritableDir(parent));
  const std::string entry_name(name);
  const std::string key = dir.key + entry_name;
  if (local_.Writing(key) != nullptr) return NotPermitted(key + ": being written");
  OBJECTFS_ASSIGN_OR_RETURN(auto existing, FindEntry(dir.key, entry_name));
  if (!existing) return NotFound(key);
  if (existing->is_dir) return IsADirectory(key);
  if (!config_.allow_delete) return NotPermitted(key + ": deleting needs --allow-delete");
  OBJECTFS_RETURN_IF_ERROR(source_->Delete(key));
  metadata_.Update(dir.key, entry_name, std::nullopt);
  return Status::Ok();
}

Status FileSystem::RemoveDir(InodeId parent, std::string_view name) {
  OBJECTFS_ASSIGN_OR_RETURN(InodeRef dir, WritableDir(parent));
  const std::string entry_name(name);
  OBJECTFS_ASSIGN_OR_RETURN(auto existing, FindEntry(dir.key, entry_name));
  const std::string key = dir.key + entry_name + "/";
  if (!existing) return NotFound(key);
  if (!existing->is_dir) return NotADirectory(key);
  if (!local_.Children(key).empty()) return AlreadyExists(key + " is not empty");
  ListRequest probe;
  probe.prefix = key;
  probe.delimiter = "/";
  probe.max_keys = 2;
  OBJECTFS_ASSIGN_OR_RETURN(ListPage page, source_->List(probe));
  bool marker = false;  // an object named like the directory ("d/") keeps it in the bucket
  for (const auto& object : page.objects) {
    if (object.key != key) return AlreadyExists(key + " is not empty");
    marker = true;
  }
  if (!page.common_prefixes.empty()) return AlreadyExists(key + " is not empty");
  // Only removing the marker changes the bucket; a local directory just goes.
  if (marker) {
    if (!config_.allow_delete) return NotPermitted(key + ": deleting needs --allow-delete");
    OBJECTFS_RETURN_IF_ERROR(source_->Delete(key));
  }
  local_.RemoveDir(key);
  metadata_.Update(dir.key, entry_name, std::nullopt);
  return Status::Ok();
}

}  // namespace objectfs::mount
