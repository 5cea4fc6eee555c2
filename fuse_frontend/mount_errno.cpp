#include "mount_errno.hpp"

#include <cerrno>
#include <cstring>
#include <string>

#include "fs/mount_log.hpp"

namespace objectfs::mount {

int ErrnoFromStatus(const Status& status, std::string_view operation) {
  int err = EIO;
  switch (status.code()) {
    case StatusCode::kOk:
      return 0;
    case StatusCode::kNotFound:
      err = ENOENT;
      break;
    case StatusCode::kPermissionDenied:
      err = EACCES;
      break;
    case StatusCode::kObjectChanged:
      err = ESTALE;
      break;
    case StatusCode::kInvalidArgument:
    case StatusCode::kOutOfRange:
      err = EINVAL;
      break;
    case StatusCode::kUnimplemented:
      err = ENOSYS;
      break;
    case StatusCode::kNotADirectory:
      err = ENOTDIR;
      break;
    case StatusCode::kIsADirectory:
      err = EISDIR;
      break;
    case StatusCode::kReadOnly:
      err = EROFS;
      break;
    case StatusCode::kAlreadyExists:
      // rmdir of a directory with entries: POSIX allows EEXIST, programs expect ENOTEMPTY.
      err = operation == "rmdir" ? ENOTEMPTY : EEXIST;
      break;
    case StatusCode::kNotPermitted:
      err = EPERM;
      break;
    case StatusCode::kUnavailable:
    case StatusCode::kDataLoss:
    case StatusCode::kInternal:
      err = EIO;
      break;
  }
  // Normal answers of a file system: only at debug level.
  const bool normal = err == ENOENT || err == ENOTDIR || err == EISDIR || err == EROFS ||
                      err == EPERM || err == EEXIST || err == ENOTEMPTY;
  const LogLevel level = normal ? LogLevel::kDebug : LogLevel::kWarn;
  if (LogEnabled(level)) {
    Log(level, std::string(operation) + " failed (" + std::string(std::strerror(err)) +
                   "): " + status.ToString());
  }
  return err;
}

}  // namespace objectfs::mount
