// `objectfs mount`: checks the bucket, mounts, serves until unmounted.
#pragma once

#include "cli_options.hpp"
#include "mount_options.hpp"

namespace objectfs::cli {

// Returns the process exit code. In the background (the default) the calling
// process exits 0 only once the mount serves requests, and non-zero with the
// error otherwise; the daemon keeps serving.
int RunMount(CommonOptions common, MountArgs args);

}  // namespace objectfs::cli
