// The admin verbs of the objectfs binary. Each returns the process exit code
// and prints a one-line error naming the URI and the cause on failure.
#pragma once

#include <string>

#include "objectfs/client.hpp"

namespace objectfs::cli {

struct LsArgs {
  std::string uri;
  bool long_format = false;
  bool recursive = false;
};
struct CatArgs {
  std::string uri;
  std::string range;  // "START-END" (inclusive) or "START-"; empty = whole object
};

int RunLs(Client& client, const LsArgs& args);
int RunStat(Client& client, const std::string& uri);
int RunCat(Client& client, const CatArgs& args);

// Prints "objectfs: VERB: message" to stderr; returns 1.
int ReportError(std::string_view verb, const Status& status);
// The --stats text: the counter line plus the cost, or one JSON object.
std::string StatsText(const Client& client, bool json);
void PrintStats(const Client& client, bool json);
// The log writer of the CLI and the mount: log_file, else stderr.
Result<std::shared_ptr<LogWriter>> OpenLogWriter(const ObserveOptions& options);

}  // namespace objectfs::cli
