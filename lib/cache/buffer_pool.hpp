// BufferPool: recycles fetch buffers by power-of-two size class. Fresh
// allocations of this size are mmap'ed and unmapped by malloc, and every
// munmap costs a TLB shootdown across the pool's threads: recycling keeps a
// random 64 KiB read at the cost of the GET, not of the kernel. Buffers of
// 2 MiB and more ask for transparent huge pages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace objectfs::internal {

// Memory for `capacity` bytes, contents unspecified, page-aligned (O_DIRECT
// may use it); from 2 MiB on, 2 MiB-aligned and advised to use transparent
// huge pages. Freed with FreeBuffer. Thread-safe.
std::byte* AllocateBuffer(size_t capacity);
void FreeBuffer(std::byte* buffer);
struct BufferDeleter {
  void operator()(std::byte* buffer) const { FreeBuffer(buffer); }
};
using UniqueBuffer = std::unique_ptr<std::byte[], BufferDeleter>;

class BufferPool {
 public:
  // Idle buffers kept for reuse never exceed max_idle_bytes.
  explicit BufferPool(uint64_t max_idle_bytes) : max_idle_bytes_(max_idle_bytes) {}
  ~BufferPool();
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;

  // The capacity a request for n bytes gets.
  static size_t SizeClass(size_t n);

  // A buffer of SizeClass(n) bytes, its contents unspecified. Thread-safe.
  std::byte* Acquire(size_t n);
  // Gives back a buffer from Acquire(n). Thread-safe.
  void Release(std::byte* buffer, size_t n);

 private:
  const uint64_t max_idle_bytes_;
  std::mutex mu_;
  std::map<size_t, std::vector<std::byte*>> idle_;
  uint64_t idle_bytes_ = 0;
};

}  // namespace objectfs::internal
