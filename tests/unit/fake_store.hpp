// In-memory ObjectStore for read-engine tests: deterministic bytes, request
// counting, and switches to change the object or cut bodies short.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "objectfs/store.hpp"

namespace objectfs::testing {

inline std::byte PatternByte(uint64_t i, uint64_t version) {
  uint64_t x = (i + version * 0x9E3779B97F4A7C15ull) * 0xBF58476D1CE4E5B9ull;
  return static_cast<std::byte>(x >> 56);
}

class FakeStore : public ObjectStore {
 public:
  explicit FakeStore(uint64_t size) : size_(size) {}

  std::string Describe() const override { return "fake://"; }

  Result<ObjectInfo> Stat(std::string_view key) override {
    return ObjectInfo{std::string(key), size_, Etag(), {}};
  }

  Result<size_t> Read(std::string_view, ByteRange range, std::span<std::byte> out,
                      const ReadConditions& conditions) override {
    reads.fetch_add(1);
    {
      std::lock_guard lock(mu_);
      ranges.push_back(range);
    }
    if (delay.count() > 0) std::this_thread::sleep_for(delay);
    if (!conditions.if_match.empty() && conditions.if_match != Etag()) {
      return ObjectChanged("ETag mismatch");
    }
    if (range.offset > size_) return OutOfRange("past end");
    size_t n = static_cast<size_t>(std::min<uint64_t>(range.length, size_ - range.offset));
    if (short_reads_left.load() > 0) {
      short_reads_left.fetch_sub(1);
      n /= 2;
    }
    const uint64_t v = version.load();
    if (fill_pattern) {
      for (size_t i = 0; i < n; ++i) out[i] = PatternByte(range.offset + i, v);
    } else {
      std::memset(out.data(), 0, n);  // benchmarks: a store as fast as memory
    }
    bytes_read.fetch_add(n);
    return n;
  }

  Result<ListPage> List(const ListRequest&) override { return ListPage{}; }

  std::string Etag() const { return "\"v" + std::to_string(version.load()) + "\""; }
  std::vector<ByteRange> Ranges() {
    std::lock_guard lock(mu_);
    return ranges;
  }

  std::atomic<uint64_t> version{1};
  std::atomic<int> short_reads_left{0};
  std::atomic<uint64_t> reads{0};
  std::atomic<uint64_t> bytes_read{0};
  std::chrono::milliseconds delay{0};
  bool fill_pattern = true;

 private:
  const uint64_t size_;
  std::mutex mu_;
  std::vector<ByteRange> ranges;
};

}  // namespace objectfs::testing
