// CRC-32C (Castagnoli), the checksum GCS reports for every object. Uses the
// SSE4.2 crc32 instruction when the CPU has it, else a table.
#pragma once

#include <cstdint>
#include <span>

namespace objectfs::internal {

// Continues `crc` (0 to start) over `data`.
uint32_t Crc32c(std::span<const std::byte> data, uint32_t crc = 0);

}  // namespace objectfs::internal
