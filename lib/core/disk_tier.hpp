// The disk tier of the read engine: ranged reads that look in the DiskCache
// before sending a GET and store the whole blocks a GET brought, and warming
// (filling the disk cache ahead of reads).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "cache/disk_cache.hpp"
#include "objectfs/store.hpp"

namespace objectfs::internal {

// An object as the disk tier sees it: its DiskCache identity and size.
struct DiskObject {
  std::string identity;
  uint64_t size = 0;
};

// Reads `range` (inside the object) into `out`, block by block: from `disk`
// when the block is there and intact, else with a ranged GET (ReadPart) that
// is stored in `disk` when it covers the whole block. A miss covering at
// least 1/8 of a block fetches the whole block (through a temporary buffer)
// so that it can be stored; smaller misses fetch exactly their bytes. Stores
// run on this thread: the bytes go to the page cache, straight from `out`.
// Without `disk`, just ReadPart. Thread-safe.
Result<size_t> ReadThroughDisk(DiskCache* disk, ObjectStore& store, std::string_view key,
                               const DiskObject& object, ByteRange range, std::span<std::byte> out,
                               const ReadConditions& conditions);

struct WarmCounts {
  uint64_t bytes_fetched = 0;
  uint64_t bytes_cached = 0;  // already in the disk cache: skipped
};

// Puts every block overlapping `range` into `disk`: blocks already present
// (valid header and length) are skipped, the others are fetched whole, one
// GET each, on the calling thread, through a per-thread block buffer.
Result<WarmCounts> WarmBlocks(DiskCache& disk, ObjectStore& store, std::string_view key,
                              const DiskObject& object, ByteRange range,
                              const ReadConditions& conditions);

}  // namespace objectfs::internal
