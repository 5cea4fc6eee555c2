// The block tiers of the read engine, under the memory cache: ranged reads
// that look in the local DiskCache, then the shared (fleet) tier, before
// sending a GET to the origin, and store the whole blocks a GET brought in
// both; and warming (filling the tiers ahead of reads).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "cache/disk_cache.hpp"
#include "core/block_flights.hpp"
#include "core/shared_tier.hpp"
#include "objectfs/store.hpp"

namespace objectfs::internal {

// An object as the disk tier sees it: its DiskCache identity and size.
struct DiskObject {
  std::string identity;
  uint64_t size = 0;
};

// The tiers an object is read through; either may be null (local files have none).
struct Tiers {
  DiskCache* disk = nullptr;
  SharedTier* shared = nullptr;
  BlockFlights* flights = nullptr;  // the Client's: one fetch per block at a time
  bool any() const { return disk != nullptr || shared != nullptr; }
  // Both tiers use the same blocks (the shared tier is opened with the disk's size).
  uint64_t block_size() const {
    return disk ? disk->block_size() : shared ? shared->block_size() : 1;
  }
};

// Reads `range` (inside the object) into `out`, block by block: from the disk
// cache when the block is there and intact, else from the shared tier when it
// holds a verified copy, else with a ranged GET (ReadPart) to the origin that
// is published to the shared tier; a whole block from either is stored in the
// disk cache. A miss covering at least 1/8 of a block fetches the whole block
// (through a temporary buffer) so that it can be stored, or waits for the
// caller already fetching it (`flights`) and copies; smaller misses fetch
// exactly their bytes from the origin. Disk stores run on this thread (the
// bytes go to the page cache, straight from `out`); publishing is in the
// background. Without tiers, just ReadPart. Thread-safe.
Result<size_t> ReadThroughTiers(const Tiers& tiers, ObjectStore& store, std::string_view key,
                                const DiskObject& object, ByteRange range, std::span<std::byte> out,
                                const ReadConditions& conditions);

struct WarmCounts {
  uint64_t bytes_fetched = 0;
  uint64_t bytes_cached = 0;  // already in the disk cache: skipped
};

// Puts every block overlapping `range` into each tier: blocks already in every
// tier are skipped (the shared tier is asked with a HEAD), the others are read
// whole (from the other tier when it has them, else one GET each), on the
// calling thread, through a per-thread block buffer, and stored synchronously.
Result<WarmCounts> WarmBlocks(const Tiers& tiers, ObjectStore& store, std::string_view key,
                              const DiskObject& object, ByteRange range,
                              const ReadConditions& conditions);

}  // namespace objectfs::internal
