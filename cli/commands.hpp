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
void PrintStats(const ClientStats& stats);

}  // namespace objectfs::cli
