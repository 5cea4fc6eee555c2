// `objectfs cp SOURCE DESTINATION`: in every direction (local -> store,
// store -> local, store -> store server-side where the store copies, local
// -> local), one object or, with -r, a directory or prefix, transferred in
// parallel behind one progress bar.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "objectfs/client.hpp"

namespace objectfs::cli {

struct CpArgs {
  std::string source;
  std::string destination;
  bool recursive = false;
  bool no_clobber = false;
  bool no_progress = false;
};

CLI::App* AddCpCommand(CLI::App& app, CpArgs& args);

// 0 when every object was copied; 1 otherwise (including objects skipped
// because --no-clobber found them), with one line per failure.
int RunCp(Client& client, const CpArgs& args);

}  // namespace objectfs::cli
