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

// Reads `range` (inside the object) into `out`. Blocks found in `disk` are
// read from it; from the first block that is missing or corrupt on, one
// ranged GET (ReadPart) fetches the rest, and every whole block it brought is
// written to `disk` (on this thread: the bytes go to the page cache, and the
// caller's buffer needs no copy). Without `disk`, just ReadPart. Thread-safe.
Result<size_t> ReadThroughDisk(DiskCache* disk, ObjectStore& store, std::string_view key,
                               const DiskObject& object, ByteRange range,
                               std::span<std::byte> out, const ReadConditions& conditions);

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
