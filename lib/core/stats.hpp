// Per-Client counters, updated lock-free from any thread.
#pragma once

#include <atomic>
#include <cstdint>

#include "objectfs/client.hpp"

namespace objectfs::internal {

struct StatsCounters {
  std::atomic<uint64_t> head_requests{0};
  std::atomic<uint64_t> get_requests{0};
  std::atomic<uint64_t> list_requests{0};
  std::atomic<uint64_t> other_requests{0};
  std::atomic<uint64_t> retries{0};
  std::atomic<uint64_t> bytes_downloaded{0};
  std::atomic<uint64_t> bytes_served{0};
  std::atomic<uint64_t> cache_hits{0};
  std::atomic<uint64_t> cache_misses{0};
  std::atomic<uint64_t> disk_hits{0};
  std::atomic<uint64_t> disk_misses{0};
  std::atomic<uint64_t> disk_bytes_read{0};
  std::atomic<uint64_t> disk_bytes_written{0};
  std::atomic<uint64_t> disk_corrupt_blocks{0};
  std::atomic<uint64_t> disk_bytes_verified{0};
  std::atomic<uint64_t> disk_write_failures{0};

  enum RequestKind { kNone, kHead, kGet, kList, kOther };
  std::atomic<uint64_t>& Requests(RequestKind kind) {
    switch (kind) {
      case kHead:
        return head_requests;
      case kGet:
        return get_requests;
      case kList:
        return list_requests;
      default:
        return other_requests;
    }
  }

  ClientStats Snapshot() const {
    ClientStats s;
    s.head_requests = head_requests.load(std::memory_order_relaxed);
    s.get_requests = get_requests.load(std::memory_order_relaxed);
    s.list_requests = list_requests.load(std::memory_order_relaxed);
    s.other_requests = other_requests.load(std::memory_order_relaxed);
    s.retries = retries.load(std::memory_order_relaxed);
    s.bytes_downloaded = bytes_downloaded.load(std::memory_order_relaxed);
    s.bytes_served = bytes_served.load(std::memory_order_relaxed);
    s.cache_hits = cache_hits.load(std::memory_order_relaxed);
    s.cache_misses = cache_misses.load(std::memory_order_relaxed);
    s.disk_hits = disk_hits.load(std::memory_order_relaxed);
    s.disk_misses = disk_misses.load(std::memory_order_relaxed);
    s.disk_bytes_read = disk_bytes_read.load(std::memory_order_relaxed);
    s.disk_bytes_written = disk_bytes_written.load(std::memory_order_relaxed);
    s.disk_corrupt_blocks = disk_corrupt_blocks.load(std::memory_order_relaxed);
    s.disk_bytes_verified = disk_bytes_verified.load(std::memory_order_relaxed);
    s.disk_write_failures = disk_write_failures.load(std::memory_order_relaxed);
    return s;
  }
};

inline void Add(std::atomic<uint64_t>& counter, uint64_t n = 1) {
  counter.fetch_add(n, std::memory_order_relaxed);
}

}  // namespace objectfs::internal
