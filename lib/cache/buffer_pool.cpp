#include "cache/buffer_pool.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <new>

namespace objectfs::internal {
namespace {

constexpr size_t kHugePage = 2u << 20;
constexpr size_t kPageAlign = 4096;

}  // namespace

// Buffers of 2 MiB and more are backed by transparent huge pages where the
// kernel offers them: one page fault per 2 MiB instead of 512. First touches
// of fresh memory dominated mount reads (a fault is costly in a VM); huge
// pages made cold mount reads faster, from the network and from the disk
// cache (see docs/benchmarks.md, "Measurements behind code choices", and the
// fresh-mount rows).
std::byte* AllocateBuffer(size_t capacity) {
  const size_t align = capacity >= kHugePage ? kHugePage : kPageAlign;
  // aligned_alloc wants a multiple of the alignment.
  void* memory =
      std::aligned_alloc(align, (std::max<size_t>(capacity, 1) + align - 1) / align * align);
  if (memory == nullptr) throw std::bad_alloc();
  if (capacity >= kHugePage) (void)::madvise(memory, capacity, MADV_HUGEPAGE);  // a hint
  return static_cast<std::byte*>(memory);
}

void FreeBuffer(std::byte* buffer) { std::free(buffer); }

BufferPool::~BufferPool() {
  for (auto& [size, buffers] : idle_) {
    for (std::byte* buffer : buffers) FreeBuffer(buffer);
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
  return AllocateBuffer(capacity);
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
  FreeBuffer(buffer);
}

}  // namespace objectfs::internal
