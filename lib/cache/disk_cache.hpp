// DiskCache: the persistent tier under the memory cache. Object bytes are
// stored in fixed-size blocks (8 MiB by default: one default part, so a cold
// part GET fills exactly one block and a warm read costs two syscalls per
// 8 MiB), one file per block, named by a hash of (object identity, block
// index, block size). The identity holds the store, key, ETag and size, so a
// changed object never finds its old blocks; they age out by LRU.
//
// Every block is checked on read (per-chunk XXH3, see block_file.hpp); a bad
// block is deleted and reported as kCorrupt so the caller fetches it again. A
// whole block this process already checked is not hashed again while it is
// unchanged and served from the page cache (see verified_blocks.hpp).
// Blocks are written to a 0600 temp file and renamed into place, so readers in
// any process see whole blocks or none, and a writer killed mid-way leaves
// only a temp file that a later eviction pass removes. Total size is kept
// under `capacity` (and the file system above a free-space headroom) by
// evicting the least recently used blocks; a hit refreshes the block's mtime.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>

#include "cache/disk_cache_dir.hpp"
#include "cache/verified_blocks.hpp"
#include "objectfs/log.hpp"
#include "objectfs/status.hpp"

namespace objectfs::internal {

struct StatsCounters;

struct DiskCacheConfig {
  std::string dir;
  uint64_t capacity = 10ull << 30;  // bytes of block files, headers included
  uint64_t block_size = 8ull << 20;
  // Free space to leave on the file system; UINT64_MAX: min(5 GiB, 10% of its size).
  uint64_t min_free_bytes = UINT64_MAX;
  LogSink log = {};  // told about blocks that could not be stored
};

class DiskCache {
 public:
  // Creates the directory (0700) if needed. `stats` may be null.
  static Result<std::unique_ptr<DiskCache>> Open(DiskCacheConfig config, StatsCounters* stats);

  uint64_t block_size() const { return config_.block_size; }
  // Block bytes in the directory as of the last scan plus this process's
  // writes since (other processes share it): the metrics gauge.
  uint64_t UsageEstimate();
  const DiskCacheDir& dir() const { return dir_; }

  // What a block's contents depend on: store, key, ETag and size.
  static std::string Identity(std::string_view store, std::string_view key, std::string_view etag,
                              uint64_t size);

  enum class ReadResult { kHit, kMiss, kCorrupt };
  // Reads bytes [offset, offset + out.size()) of block `block`, whose full
  // length is `block_length` (shorter only for an object's last block), into
  // `out`, verifying every chunk it touches. On kCorrupt the block file has
  // been deleted and `out` holds garbage. Thread-safe.
  ReadResult Read(const std::string& identity, uint64_t block, uint64_t block_length,
                  uint64_t offset, std::span<std::byte> out);

  // Whether a block with a valid header and the right length is present
  // (payload not verified: cheap, for resuming a warm). Thread-safe.
  bool Contains(const std::string& identity, uint64_t block, uint64_t block_length);

  // Stores one whole block (evicting first when over capacity). Fails when the
  // block cannot fit or the write fails; the caller still has its bytes.
  // Thread-safe.
  Status Write(const std::string& identity, uint64_t block, std::span<const std::byte> payload);

 private:
  DiskCache(DiskCacheConfig config, DiskCacheDir dir, StatsCounters* stats);
  std::string SubdirFor(const std::string& name) const;
  std::string BlockName(const std::string& identity, uint64_t block) const;
  // Makes room for `bytes` more, counted as pending until Settle (waiting for
  // this process's writes in progress when only they are in the way); false
  // when the bytes cannot fit.
  bool Reserve(uint64_t bytes);
  // A reserved write finished (stored) or was abandoned.
  void Settle(uint64_t bytes, bool stored);

  const DiskCacheConfig config_;
  const DiskCacheDir dir_;
  StatsCounters* const stats_;

  std::mutex space_mu_;
  std::condition_variable space_cv_;  // signalled when a pending write settles
  bool usage_known_ = false;
  uint64_t usage_estimate_ = 0;      // block bytes, as of the last scan plus our writes
  uint64_t pending_bytes_ = 0;       // reserved by writes still in progress
  uint64_t written_since_scan_ = 0;  // other processes write too: rescan now and then
  uint64_t min_free_bytes_ = 0;
  std::atomic<bool> subdir_ready_[256] = {};
  VerifiedBlocks verified_;
};

}  // namespace objectfs::internal
