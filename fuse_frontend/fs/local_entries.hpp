// What exists only in this mount, not (yet) in the bucket: files being written
// (visible from create on, with the bytes written so far; an object only once
// committed) and directories made by mkdir (a prefix exists only once a key is
// under it). Lookups, getattr and listings consult these before the metadata
// cache.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "fs/inodes.hpp"
#include "fs/metadata.hpp"
#include "objectfs/status.hpp"
#include "objectfs/writer.hpp"

namespace objectfs::mount {

// One file open for writing: the upload and where it stands. `mu` serializes
// the handle's writes, flushes and release.
struct WriteState {
  enum class Phase { kWriting, kCommitted, kFailed };

  InodeId ino = 0;
  std::string key;
  std::chrono::system_clock::time_point started;
  std::mutex mu;
  std::unique_ptr<Writer> writer;  // null once committed or failed
  Phase phase = Phase::kWriting;
  Status failure;  // why, when kFailed
  std::atomic<uint64_t> written{0};
  bool warned_non_sequential = false;
};

// Thread-safe.
class LocalEntries {
 public:
  // Registers `state` under its key; false when that key is already being written.
  bool StartWriting(std::shared_ptr<WriteState> state);
  // The file being written under `key`, or null.
  std::shared_ptr<WriteState> Writing(const std::string& key) const;
  // The upload of `state` ended (committed or failed): the key is the bucket's again.
  void DoneWriting(const WriteState& state);

  // `key` ends in '/'. AddDir is false when the directory is already local.
  bool AddDir(const std::string& key);
  bool RemoveDir(const std::string& key);

  // NAME in directory `dir_key` when it exists here.
  std::optional<EntryAttr> Find(const std::string& dir_key, const std::string& name) const;
  // The local entries directly in `dir_key`, sorted by name.
  std::vector<DirEntry> Children(const std::string& dir_key) const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<WriteState>> writing_;
  std::set<std::string> dirs_;
};

// `remote` (sorted) with `local` (sorted) merged in; a local entry replaces a
// remote one of the same name (a file being overwritten shows its new size).
std::vector<DirEntry> MergeEntries(const std::vector<DirEntry>& remote,
                                   const std::vector<DirEntry>& local);

}  // namespace objectfs::mount
