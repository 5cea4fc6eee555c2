// Status and Result<T>: the library's only error channel. No exceptions cross
// the library boundary; fronts convert Status to errno or Python exceptions.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace objectfs {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,   // malformed URI, bad option, bad range
  kNotFound,          // missing bucket, key or file
  kPermissionDenied,  // credentials rejected or missing rights
  kObjectChanged,     // ETag no longer matches the one pinned at open
  kOutOfRange,        // range starts past the end of the object
  kUnavailable,       // endpoint unreachable, retries exhausted, timeouts
  kDataLoss,          // short or oversized body, checksum mismatch
  kUnimplemented,
  kInternal,
  // The answers of a file system (the mount) that are not store failures.
  kNotADirectory,  // a directory operation on a file
  kIsADirectory,   // a file operation on a directory
  kReadOnly,       // a change to something that cannot be written
  kAlreadyExists,  // a no-overwrite write found an object under the key
  kNotPermitted,   // an operation the settings forbid (the mount: EPERM)
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "not found: s3://bucket/key: NoSuchKey (HTTP 404): The specified key does not exist."
  std::string ToString() const;

  // Returns a copy whose message starts with `context` (e.g. the URI).
  Status WithContext(std::string_view context) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) {
  return {StatusCode::kInvalidArgument, std::move(m)};
}
inline Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status PermissionDenied(std::string m) {
  return {StatusCode::kPermissionDenied, std::move(m)};
}
inline Status ObjectChanged(std::string m) { return {StatusCode::kObjectChanged, std::move(m)}; }
inline Status OutOfRange(std::string m) { return {StatusCode::kOutOfRange, std::move(m)}; }
inline Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status DataLoss(std::string m) { return {StatusCode::kDataLoss, std::move(m)}; }
inline Status Unimplemented(std::string m) { return {StatusCode::kUnimplemented, std::move(m)}; }
inline Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
inline Status NotADirectory(std::string m) { return {StatusCode::kNotADirectory, std::move(m)}; }
inline Status IsADirectory(std::string m) { return {StatusCode::kIsADirectory, std::move(m)}; }
inline Status ReadOnly(std::string m) { return {StatusCode::kReadOnly, std::move(m)}; }
inline Status AlreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
inline Status NotPermitted(std::string m) { return {StatusCode::kNotPermitted, std::move(m)}; }

// Either a T or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(v_).ok() && "Result built from an OK Status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }

  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace objectfs

#define OBJECTFS_CONCAT_INNER(a, b) a##b
#define OBJECTFS_CONCAT(a, b) OBJECTFS_CONCAT_INNER(a, b)

#define OBJECTFS_RETURN_IF_ERROR(expr)                   \
  do {                                                   \
    ::objectfs::Status objectfs_status_ = (expr);        \
    if (!objectfs_status_.ok()) return objectfs_status_; \
  } while (0)

#define OBJECTFS_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                   \
  if (!tmp.ok()) return tmp.status();                  \
  lhs = std::move(tmp).value()

// OBJECTFS_ASSIGN_OR_RETURN(auto info, store.Stat(key));
#define OBJECTFS_ASSIGN_OR_RETURN(lhs, expr) \
  OBJECTFS_ASSIGN_OR_RETURN_IMPL(OBJECTFS_CONCAT(objectfs_result_, __LINE__), lhs, expr)
