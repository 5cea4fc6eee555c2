// Administration of a disk cache directory (ClientOptions::cache_dir) without
// a Client: what it holds, and emptying it. Both are safe while other
// processes use the cache (they take its lock; readers keep blocks they have
// open).
#pragma once

#include <cstdint>
#include <string>

#include "objectfs/status.hpp"

namespace objectfs {

struct DiskCacheUsage {
  uint64_t blocks = 0;
  uint64_t bytes = 0;       // block files, headers included
  uint64_t temp_files = 0;  // blocks being written, or left by a killed writer
  uint64_t temp_bytes = 0;
  uint64_t free_disk_bytes = 0;  // on the file system holding the cache
  uint64_t disk_bytes = 0;
};

// Walks the cache in `cache_dir` (creating it if missing), removing temp files
// left by processes that are gone. Thread-safe.
Result<DiskCacheUsage> InspectDiskCache(const std::string& cache_dir);

// Deletes every block and temp file of the cache in `cache_dir`; returns what
// was removed. Thread-safe.
Result<DiskCacheUsage> ClearDiskCache(const std::string& cache_dir);

}  // namespace objectfs
