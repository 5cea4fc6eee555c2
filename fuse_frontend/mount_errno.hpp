// The one place where a library Status becomes an errno for the kernel.
#pragma once

#include <string_view>

#include "objectfs/status.hpp"

namespace objectfs::mount {

// kNotFound -> ENOENT, kPermissionDenied -> EACCES, kObjectChanged -> ESTALE,
// kUnavailable / kDataLoss / kInternal -> EIO, kInvalidArgument / kOutOfRange ->
// EINVAL, kUnimplemented -> ENOSYS, kNotADirectory -> ENOTDIR, kIsADirectory ->
// EISDIR, kReadOnly -> EROFS, kNotPermitted -> EPERM, kAlreadyExists -> EEXIST
// (ENOTEMPTY for "rmdir"). Logs `operation` and the cause once (not found, not
// a directory, is a directory, read-only, not permitted, exists and not empty
// only at debug level: they are normal answers of a file system).
int ErrnoFromStatus(const Status& status, std::string_view operation);

}  // namespace objectfs::mount
