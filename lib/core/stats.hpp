// Per-Client counters, updated lock-free from any thread.
#pragma once

#include <atomic>
#include <cstdint>

#include "objectfs/stats.hpp"

namespace objectfs::internal {

// The Counter rows of OBJECTFS_CLIENT_STATS as atomics; the Gauge rows are
// levels the Client reads from its caches when asked (Client::Stats).
struct StatsCounters {
#define OBJECTFS_ATOMIC_Counter(name) std::atomic<uint64_t> name{0};
#define OBJECTFS_ATOMIC_Gauge(name)
#define OBJECTFS_ATOMIC(name, kind, help) OBJECTFS_ATOMIC_##kind(name)
  OBJECTFS_CLIENT_STATS(OBJECTFS_ATOMIC)
#undef OBJECTFS_ATOMIC
#undef OBJECTFS_ATOMIC_Gauge
#undef OBJECTFS_ATOMIC_Counter

  // The counters now; gauges are left 0.
  ClientStats Snapshot() const {
    ClientStats s;
#define OBJECTFS_LOAD_Counter(name) s.name = name.load(std::memory_order_relaxed);
#define OBJECTFS_LOAD_Gauge(name)
#define OBJECTFS_LOAD(name, kind, help) OBJECTFS_LOAD_##kind(name)
    OBJECTFS_CLIENT_STATS(OBJECTFS_LOAD)
#undef OBJECTFS_LOAD
#undef OBJECTFS_LOAD_Gauge
#undef OBJECTFS_LOAD_Counter
    return s;
  }
};

inline void Add(std::atomic<uint64_t>& counter, uint64_t n = 1) {
  counter.fetch_add(n, std::memory_order_relaxed);
}

}  // namespace objectfs::internal
