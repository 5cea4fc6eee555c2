// Inode table: kernel inode numbers <-> object keys, with the kernel's lookup
// counts. A directory's key is its prefix and ends in '/'; a file's key is the
// object key. The root is the mount's prefix (empty for a whole bucket).
// Inode numbers are never reused, so generation numbers stay 0.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace objectfs::mount {

// An inode number as the kernel sees it.
using InodeId = uint64_t;
inline constexpr InodeId kRootInode = 1;  // FUSE_ROOT_ID: the mount's root

struct InodeRef {
  InodeId ino = 0;
  std::string key;
  bool is_dir = false;
};

// Thread-safe.
class InodeTable {
 public:
  explicit InodeTable(std::string root_key);

  const std::string& root_key() const { return root_key_; }

  // The inode for `key` (created when new); adds `nlookup` to its lookup count.
  InodeId Ref(const std::string& key, bool is_dir, uint64_t nlookup = 1);

  // Drops `nlookup` references; the inode is removed when none are left.
  void Forget(InodeId ino, uint64_t nlookup);

  std::optional<InodeRef> Get(InodeId ino) const;

  // Records `etag` as seen at open of `ino`; returns the ETag of the previous
  // open (empty the first time).
  std::string ExchangeOpenETag(InodeId ino, const std::string& etag);

  size_t size() const;

 private:
  struct Node {
    std::string key;
    bool is_dir = false;
    uint64_t lookups = 0;
    std::string open_etag;
  };
  const std::string root_key_;
  mutable std::mutex mutex_;
  InodeId next_ino_ = kRootInode + 1;
  std::unordered_map<InodeId, Node> nodes_;
  std::unordered_map<std::string, InodeId> by_key_;
};

// "a/b/" -> ("a/", "b"); "a/b" -> ("a/", "b"); relative to nothing: the caller
// never asks for the root.
void SplitKey(const std::string& key, std::string* parent, std::string* name);

}  // namespace objectfs::mount
