#include "cache_command.hpp"

#include <cstdlib>
#include <iostream>

#include "byte_format.hpp"
#include "commands.hpp"
#include "objectfs/disk_cache.hpp"

namespace objectfs::cli {

CLI::App* AddCacheCommand(CLI::App& app, CacheArgs& args) {
  auto* cmd = app.add_subcommand("cache", "inspect or empty the disk cache (--cache-dir DIR)");
  cmd->require_subcommand(1);
  args.stats = cmd->add_subcommand("stats", "blocks and bytes in the cache, free disk space");
  args.clear = cmd->add_subcommand(
      "clear", "delete every cached block (safe while other processes use the cache)");
  return cmd;
}

int RunCache(const CommonOptions& common, const CacheArgs& args) {
  auto options = BuildClientOptions(common);
  if (!options.ok()) return ReportError("cache", options.status());
  std::string dir = options->cache_dir;
  if (dir.empty()) {  // the library's own fallback
    const char* env = std::getenv("OBJECTFS_CACHE_DIR");
    if (env != nullptr) dir = env;
  }
  if (dir.empty()) {
    return ReportError("cache", InvalidArgument("give --cache-dir DIR or set OBJECTFS_CACHE_DIR"));
  }
  if (args.clear->parsed()) {
    auto removed = ClearDiskCache(dir);
    if (!removed.ok()) return ReportError("cache clear", removed.status());
    std::cout << "cleared " << dir << ": " << removed->blocks << " blocks ("
              << FormatBytes(removed->bytes) << "), " << removed->temp_files << " temp files"
              << std::endl;
    return 0;
  }
  auto usage = InspectDiskCache(dir);
  if (!usage.ok()) return ReportError("cache stats", usage.status());
  std::cout << "cache dir:  " << dir << "\nblocks:     " << usage->blocks
            << "\nbytes:      " << usage->bytes << " (" << FormatBytes(usage->bytes) << ")"
            << "\ntemp files: " << usage->temp_files << " (" << FormatBytes(usage->temp_bytes)
            << ")\ndisk free:  " << FormatBytes(usage->free_disk_bytes) << " of "
            << FormatBytes(usage->disk_bytes) << std::endl;
  return 0;
}

}  // namespace objectfs::cli
