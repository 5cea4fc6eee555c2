#include "cache/block_cache.hpp"

#include <algorithm>

namespace objectfs::internal {

void MemoryAccount::Charge(uint64_t n) {
  const uint64_t now = used.fetch_add(n, std::memory_order_relaxed) + n;
  uint64_t seen = peak.load(std::memory_order_relaxed);
  while (now > seen && !peak.compare_exchange_weak(seen, now, std::memory_order_relaxed)) {
  }
}

Fetch::Fetch(uint64_t offset, uint64_t length, std::shared_ptr<MemoryAccount> account)
    : offset_(offset),
      length_(length),
      account_(std::move(account)),
      // Contents unspecified: the GET overwrites every byte before anyone reads.
      data_(account_->pool.Acquire(length)) {
  account_->Charge(BufferPool::SizeClass(length_));
}

Fetch::~Fetch() {
  account_->pool.Release(data_, length_);
  account_->Release(BufferPool::SizeClass(length_));
}

void Fetch::Complete(Status status) {
  {
    std::lock_guard lock(mu_);
    status_ = std::move(status);
    done_.store(true, std::memory_order_release);
  }
  cv_.notify_all();
}

Status Fetch::Wait() const {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return done_.load(std::memory_order_acquire); });
  return status_;
}

BlockCache::BlockCache(uint64_t budget_bytes, uint64_t block_size)
    : budget_(budget_bytes),
      block_size_(std::max<uint64_t>(1, block_size)),
      // Idle recycled buffers sit outside the budget, so keep few of them.
      account_(std::make_shared<MemoryAccount>(std::min<uint64_t>(budget_bytes / 8, 64ull << 20))) {
}

uint64_t BlockCache::ObjectId(const std::string& identity) {
  std::lock_guard lock(mu_);
  auto [it, inserted] = object_ids_.try_emplace(identity, object_ids_.size() + 1);
  return it->second;
}

std::shared_ptr<Fetch> BlockCache::Lookup(uint64_t object, uint64_t block, Reuse reuse) {
  std::lock_guard lock(mu_);
  auto it = blocks_.find({object, block});
  if (it == blocks_.end()) return nullptr;
  std::shared_ptr<Fetch> fetch = it->second.fetch;
  if (reuse == Reuse::kKeep) {
    MarkReadLocked(it->first, it->second);
    lru_.splice(lru_.begin(), lru_, it->second.lru);
  } else {
    // Drop-behind, even while the block is in flight (the caller holds the
    // fetch): a stream rarely comes back, so its passed blocks make room now
    // and a long scan recycles a few warm buffers (fresh memory costs page
    // faults) instead of filling the budget with data read once.
    EraseLocked(it);
  }
  return fetch;
}

std::shared_ptr<Fetch> BlockCache::Consume(uint64_t object, uint64_t block, uint64_t bytes,
                                           uint64_t block_length, const Fetch* fetch) {
  std::lock_guard lock(mu_);
  auto it = blocks_.find({object, block});
  if (it == blocks_.end() || (fetch != nullptr && it->second.fetch.get() != fetch)) return nullptr;
  std::shared_ptr<Fetch> found = it->second.fetch;
  // Still unread until all of it is: its other part's reader needs it.
  it->second.consumed += bytes;
  if (it->second.consumed >= block_length) {
    EraseLocked(it);
  } else {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
  }
  return found;
}

bool BlockCache::Contains(uint64_t object, uint64_t block) {
  std::lock_guard lock(mu_);
  return blocks_.count({object, block}) != 0;
}

bool BlockCache::MakeRoomLocked(uint64_t needed, const uint64_t* keep_unread_of) {
  const auto fits = [&] {
    return account_->used.load(std::memory_order_relaxed) + needed <= budget_;
  };
  // Frees `it`'s block once its fetch is done (the last reader copying it lets
  // go of the memory); returns the next position.
  const auto evict = [&](std::list<Key>::iterator it) {
    auto next = std::next(it);
    EraseLocked(blocks_.find(*it));
    return next;
  };
  uint64_t unread = 0;  // pass 1 leaves this as it is
  for (const auto& [object, count] : unread_of_) unread += count;
  // Blocks read already, least recently used first.
  for (auto it = lru_.end(); !fits() && blocks_.size() > unread && it != lru_.begin();) {
    --it;
    const Entry& entry = blocks_.find(*it)->second;
    if (entry.fetch->done() && !entry.unread) it = evict(it);
  }
  // Then blocks fetched ahead and not read yet, the furthest ahead (the
  // newest) first: a reader needs the older ones sooner.
  uint64_t evictable = unread;
  if (keep_unread_of != nullptr) {
    if (auto mine = unread_of_.find(*keep_unread_of); mine != unread_of_.end()) {
      evictable -= mine->second;
    }
  }
  for (auto it = lru_.begin(); !fits() && evictable > 0 && it != lru_.end();) {
    const Entry& entry = blocks_.find(*it)->second;
    const bool kept = keep_unread_of != nullptr && it->object == *keep_unread_of;
    if (entry.fetch->done() && entry.unread && !kept) {
      it = evict(it);
      --evictable;
    } else {
      ++it;
    }
  }
  return fits();
}

std::shared_ptr<Fetch> BlockCache::AcquireBuffer(uint64_t length, bool force) {
  std::lock_guard lock(mu_);
  if (!MakeRoomLocked(BufferPool::SizeClass(length)) && !force) return nullptr;
  return std::make_shared<Fetch>(0, length, account_);
}

std::shared_ptr<Fetch> BlockCache::Register(uint64_t object, uint64_t first_block, uint64_t count,
                                            uint64_t offset, uint64_t length, bool speculative) {
  std::lock_guard lock(mu_);
  // A fetch ahead of a reader is worth less than the same reader's earlier
  // ones, which it will read first: it never evicts those.
  if (!MakeRoomLocked(BufferPool::SizeClass(length), speculative ? &object : nullptr) &&
      speculative) {
    return nullptr;
  }
  auto fetch = std::make_shared<Fetch>(offset, length, account_);
  for (uint64_t b = first_block; b < first_block + count; ++b) {
    const Key key{object, b};
    if (blocks_.count(key) != 0) continue;
    lru_.push_front(key);
    blocks_.emplace(key, Entry{fetch, lru_.begin(), 0, speculative});
    if (speculative) ++unread_of_[object];
  }
  return fetch;
}

void BlockCache::Forget(uint64_t object, uint64_t first_block, uint64_t count, const Fetch* fetch) {
  std::lock_guard lock(mu_);
  for (uint64_t b = first_block; b < first_block + count; ++b) {
    auto it = blocks_.find({object, b});
    if (it == blocks_.end() || it->second.fetch.get() != fetch) continue;
    EraseLocked(it);
  }
}

void BlockCache::Clear() {
  std::lock_guard lock(mu_);
  blocks_.clear();
  lru_.clear();
  unread_of_.clear();
}

void BlockCache::MarkReadLocked(const Key& key, Entry& entry) {
  if (!entry.unread) return;
  entry.unread = false;
  auto it = unread_of_.find(key.object);
  if (--it->second == 0) unread_of_.erase(it);
}

void BlockCache::EraseLocked(std::unordered_map<Key, Entry, KeyHash>::iterator it) {
  MarkReadLocked(it->first, it->second);
  lru_.erase(it->second.lru);
  blocks_.erase(it);
}

}  // namespace objectfs::internal
