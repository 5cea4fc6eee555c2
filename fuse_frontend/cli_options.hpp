// Options shared by every verb of the objectfs binary, mapped onto ClientOptions.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "objectfs/options.hpp"
#include "objectfs/status.hpp"

namespace objectfs::cli {

struct CommonOptions {
  ClientOptions client;
  std::string part_size = "8M";
  std::string memory_limit = "auto";
  std::string max_readahead = "256M";
  std::string cache_size;  // empty: the library's default (10G)
  double connect_timeout_s = 5;
  int read_timeout_s = 30;
  bool print_stats = false;
};

// Registers the shared flags on `app` (they may appear before or after the verb).
void AddCommonOptions(CLI::App& app, CommonOptions& options);

// Validates and converts the textual options; call after parsing.
Result<ClientOptions> BuildClientOptions(const CommonOptions& options);

// "8M", "512K", "1G", "1048576" -> bytes.
Result<uint64_t> ParseByteSize(std::string_view text);

}  // namespace objectfs::cli
