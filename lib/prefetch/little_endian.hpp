// The little-endian integers of the binary model formats (GGUF, zip).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace objectfs::internal::prefetch {

// The `width`-byte little-endian value at `at`; the caller checks the bounds.
inline uint64_t Le(std::span<const std::byte> bytes, size_t at, size_t width) {
  uint64_t value = 0;
  for (size_t i = 0; i < width; ++i) value |= uint64_t(bytes[at + i]) << (8 * i);
  return value;
}

}  // namespace objectfs::internal::prefetch
