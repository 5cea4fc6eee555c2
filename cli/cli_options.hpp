// Options shared by every verb of the objectfs binary: one flag per option of
// the library's schema (include/objectfs/option_schema.hpp), plus --config.
#pragma once

#include <CLI/CLI.hpp>

#include "objectfs/option_schema.hpp"
#include "objectfs/status.hpp"

namespace objectfs::cli {

struct CommonOptions {
  OptionSources sources;  // values: the schema flags given; config_file: --config
  bool print_stats = false;
  bool stats_json = false;  // --json: --stats as one JSON object
};

// Registers the shared flags on `app` (they may appear before or after the verb).
void AddCommonOptions(CLI::App& app, CommonOptions& options);

// Flags > environment > config file > default; Client::Create validates.
Result<ClientOptions> BuildClientOptions(const CommonOptions& options);

// The hidden `options` verb: prints the schema (`--markdown`: the README table).
CLI::App* AddOptionsCommand(CLI::App& app, bool& markdown);
int RunOptions(bool markdown);

}  // namespace objectfs::cli
