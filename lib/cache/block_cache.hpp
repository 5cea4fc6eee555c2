// BlockCache: the memory cache shared by all open files of one Client, under
// ONE byte budget that covers cached blocks and in-flight fetches alike.
//
// Data arrives in Fetches (one ranged GET into one buffer) and is indexed by
// fixed-size blocks, so a random read touches only its own blocks while
// readahead fetches whole parts. A Fetch's bytes count against the budget from
// the moment it is registered until its buffer is freed: exactly what the
// process holds.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "cache/buffer_pool.hpp"
#include "objectfs/status.hpp"

namespace objectfs::internal {

struct StatsCounters;

// Bytes held by live Fetch buffers, and the pool their buffers return to;
// shared so a Fetch may outlive its cache.
struct MemoryAccount {
  explicit MemoryAccount(uint64_t max_idle_bytes) : pool(max_idle_bytes) {}
  BufferPool pool;
  std::atomic<uint64_t> used{0};
  std::atomic<uint64_t> peak{0};
  void Charge(uint64_t n);
  void Release(uint64_t n) { used.fetch_sub(n, std::memory_order_relaxed); }
};

// One ranged read into its own buffer; waited on by every reader of its blocks.
class Fetch {
 public:
  Fetch(uint64_t offset, uint64_t length, std::shared_ptr<MemoryAccount> account);
  ~Fetch();
  Fetch(const Fetch&) = delete;
  Fetch& operator=(const Fetch&) = delete;

  uint64_t offset() const { return offset_; }
  uint64_t length() const { return length_; }
  std::byte* data() { return data_; }
  const std::byte* data() const { return data_; }

  void Complete(Status status);  // wakes the waiters
  Status Wait() const;           // blocks until Complete
  bool done() const { return done_.load(std::memory_order_acquire); }

 private:
  const uint64_t offset_;
  const uint64_t length_;
  std::shared_ptr<MemoryAccount> account_;
  std::byte* data_;  // from account_->pool, returned there by the destructor
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::atomic<bool> done_{false};
  Status status_;
};

class BlockCache {
 public:
  BlockCache(uint64_t budget_bytes, uint64_t block_size);

  uint64_t block_size() const { return block_size_; }
  uint64_t budget() const { return budget_; }
  uint64_t used() const { return account_->used.load(std::memory_order_relaxed); }
  uint64_t peak() const { return account_->peak.load(std::memory_order_relaxed); }

  // A stable small id for (store, key, ETag): a new ETag never sees old blocks.
  uint64_t ObjectId(const std::string& identity);

  enum class Reuse {
    kKeep,      // random access: keep the block, most recently used
    kConsumed,  // streamed past: dropped from the cache at once
  };

  // The fetch holding `block` (done or in flight), or nullptr. Thread-safe.
  std::shared_ptr<Fetch> Lookup(uint64_t object, uint64_t block, Reuse reuse);

  // Counts `bytes` of `block` as read and returns the fetch holding it (or
  // nullptr; with `fetch`, only if it still holds it). Once reads have
  // covered `block_length` bytes the block leaves the cache, as kConsumed;
  // until then it stays most recently used. For readers whose requests cover
  // parts of a block out of order (a kernel's readahead and mmap
  // read-around): the part read first must not drop the part still to come.
  // Thread-safe.
  std::shared_ptr<Fetch> Consume(uint64_t object, uint64_t block, uint64_t bytes,
                                 uint64_t block_length, const Fetch* fetch = nullptr);

  // Whether `block` is cached or in flight, without touching its LRU place.
  bool Contains(uint64_t object, uint64_t block);

  // Registers a fetch for blocks [first_block, first_block + count) covering
  // object bytes [offset, offset + length), evicting to make room. A
  // speculative fetch that does not fit the budget is refused (nullptr);
  // a demand fetch always proceeds. A speculative fetch never evicts the
  // blocks other speculative fetches of the same object brought in that no
  // read has touched yet (the reader needs those first); a demand fetch may
  // evict anything finished. Blocks already present are left alone
  // (the new fetch then only serves the missing ones). Thread-safe.
  std::shared_ptr<Fetch> Register(uint64_t object, uint64_t first_block, uint64_t count,
                                  uint64_t offset, uint64_t length, bool speculative);

  // A buffer of `length` bytes outside the index (an upload part on its way
  // to a store), counted against the same budget while it lives; cached
  // blocks are evicted to make room. nullptr when it does not fit, unless
  // `force`. Thread-safe.
  std::shared_ptr<Fetch> AcquireBuffer(uint64_t length, bool force);

  // Drops the blocks that still point at `fetch` (after it failed). Thread-safe.
  void Forget(uint64_t object, uint64_t first_block, uint64_t count, const Fetch* fetch);

  // Drops every block (tests, `cache clear`). Thread-safe.
  void Clear();

 private:
  struct Key {
    uint64_t object;
    uint64_t block;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const {
      return std::hash<uint64_t>()(k.object * 0x9E3779B97F4A7C15ull ^ k.block);
    }
  };
  struct Entry {
    std::shared_ptr<Fetch> fetch;
    std::list<Key>::iterator lru;
    uint64_t consumed = 0;  // bytes read through Consume
    bool unread = false;    // fetched ahead (speculative), not all read yet
  };

  // Evicts finished blocks until `needed` more bytes fit: read ones, least
  // recently used first, then unread speculative ones, newest first, except
  // those of object `*keep_unread_of` (if given). Returns whether they fit.
  // Caller holds mu_.
  bool MakeRoomLocked(uint64_t needed, const uint64_t* keep_unread_of = nullptr);
  // The block no longer counts as unread. Caller holds mu_.
  void MarkReadLocked(const Key& key, Entry& entry);
  // Drops the block from the index and the LRU. Caller holds mu_.
  void EraseLocked(std::unordered_map<Key, Entry, KeyHash>::iterator it);

  const uint64_t budget_;
  const uint64_t block_size_;
  std::shared_ptr<MemoryAccount> account_;

  std::mutex mu_;
  std::unordered_map<Key, Entry, KeyHash> blocks_;
  std::list<Key> lru_;  // front: keep longest; back: evict first
  // Blocks with Entry::unread, by object (only objects that have some):
  // eviction skips walks that can find nothing.
  std::unordered_map<uint64_t, uint64_t> unread_of_;
  std::unordered_map<std::string, uint64_t> object_ids_;
};

}  // namespace objectfs::internal
