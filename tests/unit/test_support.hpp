// Small pieces several unit tests share: deterministic bytes, a string as
// bytes, and the first failure of many threads.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <string_view>

namespace objectfs::testing {

// `size` pseudo-random bytes (xorshift), the same for the same seed.
inline std::string Pattern(size_t size, uint32_t seed) {
  std::string out(size, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (char& ch : out) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    ch = static_cast<char>(x >> 24);
  }
  return out;
}

inline std::span<const std::byte> AsBytes(std::string_view s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

// What threads report: the first failure, for the message, and a count.
// Thread-safe.
struct Failures {
  std::mutex mu;
  std::string first;
  std::atomic<int> count{0};
  void Add(const std::string& what) {
    if (count++ == 0) {
      std::lock_guard lock(mu);
      first = what;
    }
  }
};

}  // namespace objectfs::testing
