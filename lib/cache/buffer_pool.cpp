#include "cache/buffer_pool.hpp"

#include <bit>

namespace objectfs::internal {

BufferPool::~BufferPool() {
  for (auto& [size, buffers] : idle_) {
    for (std::byte* buffer : buffers) delete[] buffer;
  }
}

size_t BufferPool::SizeClass(size_t n) { return std::bit_ceil(std::max<size_t>(n, 64 << 10)); }

std::byte* BufferPool::Acquire(size_t n) {
  const size_t capacity = SizeClass(n);
  {
    std::lock_guard lock(mu_);
    auto it = idle_.find(capacity);
    if (it != idle_.end() && !it->second.empty()) {
      std::byte* buffer = it->second.back();
      it->second.pop_back();
      idle_bytes_ -= capacity;
      return buffer;
    }
  }
  return new std::byte[capacity];
}

void BufferPool::Release(std::byte* buffer, size_t n) {
  const size_t capacity = SizeClass(n);
  {
    std::lock_guard lock(mu_);
    if (idle_bytes_ + capacity <= max_idle_bytes_) {
      idle_[capacity].push_back(buffer);
      idle_bytes_ += capacity;
      return;
    }
  }
  delete[] buffer;
}

}  // namespace objectfs::internal
