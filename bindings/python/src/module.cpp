// objectfs._objectfs: the native half of the objectfs Python package. The
// pure-Python half (objectfs/*.py) builds the io and safetensors APIs on it.
#include "bindings.hpp"
#include "errors.hpp"
#include "objectfs/version.hpp"

PYBIND11_MODULE(_objectfs, m) {
  m.doc() = "Native bindings of the ObjectFS C++ library (use the objectfs package).";
  m.attr("__version__") = objectfs::Version();  // the CMake project version
  objectfs::python::RegisterErrors(m);
  objectfs::python::RegisterClient(m);
  objectfs::python::RegisterFile(m);
  objectfs::python::RegisterSafetensors(m);
  objectfs::python::RegisterWarm(m);
}
