#include "objectfs/status.hpp"

namespace objectfs {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "ok";
    case StatusCode::kInvalidArgument:
      return "invalid argument";
    case StatusCode::kNotFound:
      return "not found";
    case StatusCode::kPermissionDenied:
      return "permission denied";
    case StatusCode::kObjectChanged:
      return "object changed";
    case StatusCode::kOutOfRange:
      return "out of range";
    case StatusCode::kUnavailable:
      return "unavailable";
    case StatusCode::kDataLoss:
      return "data loss";
    case StatusCode::kUnimplemented:
      return "unimplemented";
    case StatusCode::kInternal:
      return "internal error";
    case StatusCode::kNotADirectory:
      return "not a directory";
    case StatusCode::kIsADirectory:
      return "is a directory";
    case StatusCode::kReadOnly:
      return "read-only";
    case StatusCode::kAlreadyExists:
      return "already exists";
    case StatusCode::kNotPermitted:
      return "not permitted";
  }
  return "unknown";
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  std::string out(StatusCodeName(code_));
  if (!message_.empty()) {
    out += ": ";
    out += message_;
  }
  return out;
}

Status Status::WithContext(std::string_view context) const {
  if (ok() || context.empty()) return *this;
  std::string message(context);
  if (!message_.empty()) {
    message += ": ";
    message += message_;
  }
  return Status(code_, std::move(message));
}

}  // namespace objectfs
