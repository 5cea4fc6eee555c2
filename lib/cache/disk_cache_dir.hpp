// The disk cache's directory: its layout, its lock, and the whole-directory
// operations (scan, eviction, clearing, removing temp files left by killed
// processes). Safe across processes: every operation that deletes takes an
// exclusive flock on ROOT/v1/lock; readers and writers never need it, because
// blocks appear by atomic rename and an unlinked block stays readable through
// an open descriptor.
//
// Layout: ROOT/v1/blocks/XX/<32 hex>.blk (XX = first byte of the name), temp
// files ROOT/v1/blocks/XX/.tmp-<pid>-<random>. Directories 0700, files 0600.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "objectfs/status.hpp"
#include "util/unique_fd.hpp"

namespace objectfs::internal {

class DiskCacheDir {
 public:
  // Creates ROOT/v1/blocks (0700) if needed; errors name the path and errno.
  static Result<DiskCacheDir> Open(const std::string& root);

  const std::string& root() const { return root_; }
  const std::string& blocks_dir() const { return blocks_dir_; }

  struct Usage {
    uint64_t blocks = 0;
    uint64_t block_bytes = 0;  // file sizes, headers included
    uint64_t temp_files = 0;
    uint64_t temp_bytes = 0;
    uint64_t free_disk_bytes = 0;
    uint64_t disk_bytes = 0;  // size of the file system holding the cache
  };
  // Walks the directory. Takes the lock; with remove_stale_temps, deletes temp
  // files whose writer process is gone or that are older than an hour.
  Result<Usage> Scan(bool remove_stale_temps) const;

  // Deletes least recently used blocks (oldest mtime first) until the blocks
  // take at most `max_bytes` and the file system has at least `min_free_bytes`
  // free, or none are left; removes stale temp files too. Takes the lock.
  // Returns the usage afterwards.
  Result<Usage> Evict(uint64_t max_bytes, uint64_t min_free_bytes) const;

  // Deletes every block and temp file. Takes the lock. Returns what was removed.
  Result<Usage> Clear() const;

  // Free and total bytes of the file system holding the cache.
  Status DiskSpace(uint64_t* free_bytes, uint64_t* total_bytes) const;

 private:
  struct Entry {
    std::string path;
    uint64_t bytes;
    int64_t mtime_ns;
  };
  // Holds the directory's flock while alive.
  Result<UniqueFd> Lock() const;
  // Visits block and temp files; caller holds the lock.
  Status Walk(bool remove_stale_temps, bool remove_all, Usage* usage,
              std::vector<Entry>* blocks) const;

  std::string root_;
  std::string blocks_dir_;
  std::string lock_path_;
};

}  // namespace objectfs::internal
