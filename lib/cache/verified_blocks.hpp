// VerifiedBlocks: the block files this process has read whole and found
// intact, by inode and timestamps, so that a re-read served from the page
// cache need not hash the block again.
//
// Why this is safe: a file's page-cache pages change only by a write, or by
// eviction and a re-read from disk. A write sets mtime to the current time;
// file timestamps come from a coarse clock, so a state is only recorded when
// its mtime is at least kSettledS old, and any later write moves it. ctime is
// compared too (a write that puts mtime back still moves ctime). The caller
// skips the hash only when the whole read came from the page cache (preadv2
// RWF_NOWAIT), so bytes that come from the disk are always checked. What is
// not caught: pages evicted and read back from a corrupted disk by another
// program that does not check them, between two of our reads.
//
// Why it matters: with the pages in memory, the hash is a second pass over
// the bytes after the kernel's copy (the copy leaves them out of the CPU
// cache), and cost a large share of a warm read (see docs/benchmarks.md,
// "Measurements behind code choices", and the warmed-disk-cache File::PRead row).
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <ctime>
#include <mutex>
#include <unordered_map>

namespace objectfs::internal {

class VerifiedBlocks {
 public:
  // A recorded file must have been unmodified for this long.
  static constexpr int64_t kSettledS = 1;

  // Whether `st` is a file recorded by Insert and unchanged since.
  // Thread-safe.
  bool Contains(const struct stat& st) const {
    std::lock_guard lock(mu_);
    auto it = files_.find(Key{st.st_dev, st.st_ino});
    return it != files_.end() && it->second == StateOf(st);
  }

  // Records `st` as checked, unless its mtime is within kSettledS of `now`.
  // Thread-safe.
  void Insert(const struct stat& st, time_t now) {
    if (st.st_mtim.tv_sec > now - kSettledS) return;
    std::lock_guard lock(mu_);
    if (files_.size() >= kMaxFiles) files_.clear();  // bounded: forgetting only costs a hash
    files_[Key{st.st_dev, st.st_ino}] = StateOf(st);
  }

  // Thread-safe.
  void Erase(const struct stat& st) {
    std::lock_guard lock(mu_);
    files_.erase(Key{st.st_dev, st.st_ino});
  }

 private:
  // 2 TiB of 8 MiB blocks, ~20 MiB of memory at most.
  static constexpr size_t kMaxFiles = size_t{1} << 18;

  struct Key {
    dev_t dev;
    ino_t ino;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const { return std::hash<uint64_t>()(k.ino * 31 + k.dev); }
  };
  struct State {
    int64_t mtime_ns, ctime_ns, size;
    bool operator==(const State&) const = default;
  };
  static State StateOf(const struct stat& st) {
    return {st.st_mtim.tv_sec * 1'000'000'000 + st.st_mtim.tv_nsec,
            st.st_ctim.tv_sec * 1'000'000'000 + st.st_ctim.tv_nsec, st.st_size};
  }

  mutable std::mutex mu_;
  std::unordered_map<Key, State, KeyHash> files_;
};

}  // namespace objectfs::internal
