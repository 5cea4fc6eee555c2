#include "errors.hpp"

#include <cerrno>

namespace py = pybind11;

namespace objectfs::python {
namespace {

// Owned by the module for the life of the process (CPython never unloads
// extension modules), like the built-in exception types it sits beside.
PyObject* object_changed_error = nullptr;

struct PythonError {
  PyObject* type;
  int error_number;  // 0: not an OSError
};

PythonError ErrorFor(StatusCode code) {
  switch (code) {
    case StatusCode::kNotFound:
      return {PyExc_FileNotFoundError, ENOENT};
    case StatusCode::kPermissionDenied:
      return {PyExc_PermissionError, EACCES};
    case StatusCode::kObjectChanged:
      return {object_changed_error, ESTALE};
    case StatusCode::kDataLoss:
      return {object_changed_error, EIO};
    case StatusCode::kInvalidArgument:
    case StatusCode::kOutOfRange:
      return {PyExc_ValueError, 0};
    case StatusCode::kUnavailable:
      return {PyExc_ConnectionError, 0};
    case StatusCode::kUnimplemented:
      return {PyExc_NotImplementedError, 0};
    case StatusCode::kNotADirectory:
      return {PyExc_NotADirectoryError, ENOTDIR};
    case StatusCode::kIsADirectory:
      return {PyExc_IsADirectoryError, EISDIR};
    case StatusCode::kReadOnly:
      return {PyExc_OSError, EROFS};
    case StatusCode::kAlreadyExists:
      return {PyExc_FileExistsError, EEXIST};
    case StatusCode::kNotPermitted:
      return {PyExc_PermissionError, EPERM};
    case StatusCode::kOk:
    case StatusCode::kInternal:
      break;
  }
  return {PyExc_OSError, EIO};
}

}  // namespace

void RegisterErrors(py::module_& m) {
  object_changed_error = PyErr_NewExceptionWithDoc(
      "objectfs.ObjectChangedError",
      "The object changed (its ETag no longer matches the one pinned at open) or arrived "
      "corrupted; no mixed bytes were returned.",
      PyExc_OSError, nullptr);
  if (object_changed_error == nullptr) throw py::error_already_set();
  m.add_object("ObjectChangedError", py::handle(object_changed_error));
}

void ThrowStatus(const Status& status) {
  const PythonError error = ErrorFor(status.code());
  const std::string text = status.ToString();
  // Messages quote keys and server answers, which need not be UTF-8: decoded
  // with \xHH for bad bytes, never a UnicodeDecodeError instead of the error.
  py::object message = py::reinterpret_steal<py::object>(
      PyUnicode_DecodeUTF8(text.data(), static_cast<Py_ssize_t>(text.size()), "backslashreplace"));
  if (!message) throw py::error_already_set();
  if (error.error_number != 0) {
    // OSError(errno, strerror): str() gives "[Errno N] <message>".
    py::tuple args = py::make_tuple(error.error_number, message);
    PyErr_SetObject(error.type, args.ptr());
  } else {
    PyErr_SetObject(error.type, message.ptr());
  }
  throw py::error_already_set();
}

}  // namespace objectfs::python
