// objectfs._objectfs.read_safetensors_header: the validated header of an open
// file (objectfs/safetensors.py turns it into tensors).
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "errors.hpp"
#include "objectfs/safetensors.hpp"

namespace py = pybind11;
using namespace py::literals;

namespace objectfs::python {
namespace {

py::dict ReadHeader(const OpenFile& f) {
  safetensors::Header header = Unwrap(WithoutGil([&] { return safetensors::ReadHeader(*f.file); }));
  py::list tensors;
  for (const auto& t : header.tensors) {
    py::tuple shape(t.shape.size());
    for (size_t i = 0; i < t.shape.size(); ++i) shape[i] = py::int_(t.shape[i]);
    tensors.append(py::make_tuple(t.name, std::string(safetensors::DTypeName(t.dtype)), shape,
                                  t.begin, t.end));
  }
  return py::dict("data_offset"_a = header.data_offset, "data_size"_a = header.data_size,
                  "tensors"_a = tensors, "metadata"_a = header.metadata);
}

}  // namespace

void RegisterSafetensors(py::module_& m) {
  m.def("read_safetensors_header", &ReadHeader, "file"_a,
        "Reads and validates a safetensors header in at most two requests: a dict with "
        "data_offset, data_size, metadata and tensors [(name, dtype, shape, begin, end)] in "
        "offset order; offsets are relative to the data region. Raises ValueError naming "
        "what is malformed.");
}

}  // namespace objectfs::python
