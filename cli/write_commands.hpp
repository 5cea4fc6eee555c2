// `objectfs rm` and `objectfs uploads ls|abort`.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "objectfs/client.hpp"

namespace objectfs::cli {

struct RmArgs {
  std::string uri;
  bool recursive = false;  // every object under a prefix
};
CLI::App* AddRmCommand(CLI::App& app, RmArgs& args);
int RunRm(Client& client, const RmArgs& args);

struct UploadsArgs {
  std::string uri;  // bucket plus optional key prefix
  CLI::App* ls = nullptr;
  CLI::App* abort = nullptr;
};
CLI::App* AddUploadsCommand(CLI::App& app, UploadsArgs& args);
int RunUploads(Client& client, const UploadsArgs& args);

}  // namespace objectfs::cli
