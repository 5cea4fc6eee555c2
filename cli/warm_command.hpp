// `objectfs warm URI...`: fills the disk cache ahead of reads.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "objectfs/client.hpp"

namespace objectfs::cli {

struct WarmArgs {
  std::vector<std::string> uris;  // objects, or prefixes (ending in '/', or bucket only)
  bool no_progress = false;
};

CLI::App* AddWarmCommand(CLI::App& app, WarmArgs& args);

// Exit code: 0 when every object is in the cache, 1 otherwise.
int RunWarm(Client& client, const WarmArgs& args);

}  // namespace objectfs::cli
