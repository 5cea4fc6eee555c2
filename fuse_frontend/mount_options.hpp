// Options of `objectfs mount`: flags and their `-o key=value` spelling (fstab).
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "cli_options.hpp"
#include "objectfs/status.hpp"

namespace objectfs::cli {

struct MountArgs {
  std::string uri;
  std::string mountpoint;
  std::string metadata_ttl = "60";
  int64_t uid = -1;  // -1: the caller's
  int64_t gid = -1;
  std::string file_mode;  // empty: 0444, or 0644 with read_write
  std::string dir_mode;   // empty: 0555, or 0755 with read_write
  bool allow_other = false;
  // Writes (docs/mount.md, "Writing"): off by default.
  bool read_write = false;
  bool allow_overwrite = false;
  bool allow_delete = false;
  bool foreground = false;
  std::vector<std::string> o_options;         // raw `-o` values
  std::vector<std::string> fuse_passthrough;  // ro, nodev, noatime... for the kernel
};

// Adds the `mount` subcommand; its flags write into `args`.
CLI::App* AddMountCommand(CLI::App& app, MountArgs& args);

// Applies the `-o` values onto `args` and `common` (they win over flags).
// Unknown keys are an error; mount(8)-only keys (defaults, _netdev, nofail,
// auto, user, x-*) are ignored.
Status ApplyMountOptions(MountArgs& args, CommonOptions& common);

}  // namespace objectfs::cli
