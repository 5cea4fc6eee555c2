// The one place where a library Status becomes a Python exception, and the
// helpers every binding uses to run library calls without the GIL.
#pragma once

#include <pybind11/pybind11.h>

#include <utility>

#include "objectfs/status.hpp"

namespace objectfs::python {

// Adds objectfs.ObjectChangedError (an OSError) to the module.
void RegisterErrors(pybind11::module_& m);

// Raises the Python exception for a non-OK status (GIL held):
//   kNotFound -> FileNotFoundError, kPermissionDenied -> PermissionError,
//   kObjectChanged / kDataLoss -> objectfs.ObjectChangedError,
//   kInvalidArgument / kOutOfRange -> ValueError, kUnavailable -> ConnectionError,
//   kUnimplemented -> NotImplementedError, anything else -> OSError.
// The message is Status::ToString(): the code, the URI and the cause.
[[noreturn]] void ThrowStatus(const Status& status);

inline void Check(const Status& status) {
  if (!status.ok()) ThrowStatus(status);
}

template <typename T>
T Unwrap(Result<T> result) {
  if (!result.ok()) ThrowStatus(result.status());
  return std::move(result).value();
}

// Runs `call` with the GIL released; the result is converted afterwards, with
// the GIL held again. `call` must not touch Python objects.
template <typename Call>
auto WithoutGil(Call&& call) {
  pybind11::gil_scoped_release release;
  return call();
}

}  // namespace objectfs::python
