// `objectfs cache stats|clear`: inspect or empty a disk cache directory.
#pragma once

#include <CLI/CLI.hpp>

#include "cli_options.hpp"

namespace objectfs::cli {

struct CacheArgs {
  CLI::App* stats = nullptr;
  CLI::App* clear = nullptr;
};

CLI::App* AddCacheCommand(CLI::App& app, CacheArgs& args);

// Uses --cache-dir, else OBJECTFS_CACHE_DIR. Returns the exit code.
int RunCache(const CommonOptions& common, const CacheArgs& args);

}  // namespace objectfs::cli
