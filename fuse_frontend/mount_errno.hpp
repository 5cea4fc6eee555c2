// The one place where a library Status becomes an errno for the kernel.
#pragma once

#include <string_view>

#include "objectfs/status.hpp"

namespace objectfs::mount {

// kNotFound -> ENOENT, kPermissionDenied -> EACCES, kObjectChanged -> ESTALE,
// kUnavailable / kDataLoss / kInternal -> EIO, kInvalidArgument / kOutOfRange ->
// EINVAL, kUnimplemented -> ENOSYS. Logs `operation` and the cause once (not
// found only at debug level: it is a normal answer for lookups).
int ErrnoFromStatus(const Status& status, std::string_view operation);

}  // namespace objectfs::mount
