// The thin libfuse adapter: the only file that answers the kernel (fuse_reply_*).
// Each operation calls the FileSystem (fs/file_system.hpp) and turns its
// result into a reply; errors become errno in mount_errno.cpp.
#pragma once

#include <fuse_lowlevel.h>

#include "fs/file_system.hpp"

namespace objectfs::mount {

// Operations for fuse_session_new; the userdata must be a FileSystem*.
const fuse_lowlevel_ops& FsOperations();

}  // namespace objectfs::mount
