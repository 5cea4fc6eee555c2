#include "cache/disk_cache_dir.hpp"
#include "objectfs/disk_cache.hpp"

namespace objectfs {
namespace {

DiskCacheUsage ToPublic(const internal::DiskCacheDir::Usage& u) {
  return {u.blocks, u.block_bytes, u.temp_files, u.temp_bytes, u.free_disk_bytes, u.disk_bytes};
}

}  // namespace

Result<DiskCacheUsage> InspectDiskCache(const std::string& cache_dir) {
  OBJECTFS_ASSIGN_OR_RETURN(internal::DiskCacheDir dir, internal::DiskCacheDir::Open(cache_dir));
  OBJECTFS_ASSIGN_OR_RETURN(internal::DiskCacheDir::Usage usage,
                            dir.Scan(/*remove_stale_temps=*/true));
  return ToPublic(usage);
}

Result<DiskCacheUsage> ClearDiskCache(const std::string& cache_dir) {
  OBJECTFS_ASSIGN_OR_RETURN(internal::DiskCacheDir dir, internal::DiskCacheDir::Open(cache_dir));
  OBJECTFS_ASSIGN_OR_RETURN(internal::DiskCacheDir::Usage removed, dir.Clear());
  return ToPublic(removed);
}

}  // namespace objectfs
