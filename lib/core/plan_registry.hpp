// The format plans of one Client by object version (its BlockCache object
// id): every File of that version -- each open of it through the mount, a
// second descriptor that mmaps it -- reports its reads to the same plan and
// finds its chunks. Holds the plans weakly: a plan lives while a File does.
// Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "prefetch/prefetch_plan.hpp"

namespace objectfs::internal {

class PlanRegistry {
 public:
  std::shared_ptr<prefetch::PrefetchPlan> Find(uint64_t object) {
    std::lock_guard lock(mu_);
    auto it = plans_.find(object);
    return it == plans_.end() ? nullptr : it->second.lock();
  }

  // Registers `plan` for `object` unless a live one is there already; returns
  // the one to use.
  std::shared_ptr<prefetch::PrefetchPlan> Add(uint64_t object,
                                              std::shared_ptr<prefetch::PrefetchPlan> plan) {
    std::lock_guard lock(mu_);
    std::erase_if(plans_, [](const auto& entry) { return entry.second.expired(); });
    auto& slot = plans_[object];
    if (auto live = slot.lock()) return live;
    slot = plan;
    return plan;
  }

  // Whether `object` (a shard index) is seen here for the first time: its
  // shards are warmed once per Client, not at every open.
  bool FirstIndexOpen(uint64_t object) {
    std::lock_guard lock(mu_);
    if (indexes_.size() >= kMaxIndexes) indexes_.clear();  // then a few are warmed twice
    return indexes_.insert(object).second;
  }

 private:
  static constexpr size_t kMaxIndexes = 1024;
  std::mutex mu_;
  std::unordered_map<uint64_t, std::weak_ptr<prefetch::PrefetchPlan>> plans_;
  std::unordered_set<uint64_t> indexes_;
};

}  // namespace objectfs::internal
