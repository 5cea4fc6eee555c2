// objectfs._objectfs.File: positional reads of an open object. Reads fill
// the caller's buffer (or a new bytes object) with the GIL released.
#include <algorithm>
#include <span>

#include "bindings.hpp"
#include "errors.hpp"

namespace py = pybind11;
using namespace py::literals;

namespace objectfs::python {
namespace {

// A writable, C-contiguous view of any buffer-protocol object (bytearray,
// memoryview, numpy array, mmap, ...), released with the GIL held.
class WritableBuffer {
 public:
  explicit WritableBuffer(py::handle object) {
    if (PyObject_GetBuffer(object.ptr(), &view_, PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS) != 0) {
      throw py::error_already_set();
    }
  }
  ~WritableBuffer() { PyBuffer_Release(&view_); }
  WritableBuffer(const WritableBuffer&) = delete;
  WritableBuffer& operator=(const WritableBuffer&) = delete;

  std::span<std::byte> bytes() {
    return {static_cast<std::byte*>(view_.buf), static_cast<size_t>(view_.len)};
  }

 private:
  Py_buffer view_{};
};

size_t PReadInto(const OpenFile& f, uint64_t offset, py::handle buffer) {
  WritableBuffer out(buffer);
  return Unwrap(WithoutGil([&] { return f.file->PRead(offset, out.bytes()); }));
}

py::bytes PRead(const OpenFile& f, uint64_t offset, uint64_t size) {
  const uint64_t object_size = f.file->Size();
  const size_t want =
      offset >= object_size ? 0 : static_cast<size_t>(std::min(size, object_size - offset));
  // Filled in place before anyone else can see it: no intermediate copy.
  auto result = py::reinterpret_steal<py::bytes>(
      PyBytes_FromStringAndSize(nullptr, static_cast<Py_ssize_t>(want)));
  if (!result) throw py::error_already_set();
  std::span<std::byte> out(reinterpret_cast<std::byte*>(PyBytes_AS_STRING(result.ptr())), want);
  const size_t got = Unwrap(WithoutGil([&] { return f.file->PRead(offset, out); }));
  if (got != want) {
    // PRead only returns short at the object's end, which `want` excludes.
    Check(Internal(f.file->uri().ToString() + ": short read of " + std::to_string(got) + " of " +
                   std::to_string(want) + " bytes"));
  }
  return result;
}

}  // namespace

void RegisterFile(py::module_& m) {
  py::class_<OpenFile>(m, "File",
                       "An open object pinned to the ETag it had at open. Thread-safe: "
                       "any number of threads may pread at once.")
      .def_property_readonly("uri", [](const OpenFile& f) { return f.file->uri().ToString(); })
      .def_property_readonly("size", [](const OpenFile& f) { return f.file->Size(); })
      .def_property_readonly("etag", [](const OpenFile& f) { return f.file->ETag(); })
      .def("pread", &PRead, "offset"_a, "size"_a,
           "Up to `size` bytes at `offset` as bytes (fewer only at the end).")
      .def("pread_into", &PReadInto, "offset"_a, "buffer"_a,
           "Fills a writable contiguous buffer from `offset`; returns the byte count "
           "(fewer than len(buffer) only at the end).");
}

}  // namespace objectfs::python
