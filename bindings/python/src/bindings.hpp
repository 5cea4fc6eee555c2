// The pieces of the native module objectfs._objectfs, one Register function
// per file.
#pragma once

#include <pybind11/pybind11.h>

#include <memory>

#include "objectfs/client.hpp"
#include "objectfs/file.hpp"

namespace objectfs::python {

// An open object as Python sees it: the File and the Client that opened it
// (kept alive while the file is).
struct OpenFile {
  std::shared_ptr<Client> client;
  std::shared_ptr<File> file;
};

void RegisterClient(pybind11::module_& m);
// The Writer class and the Client's write verbs (called by RegisterClient).
void RegisterWriter(pybind11::module_& m,
                    pybind11::class_<Client, std::shared_ptr<Client>>& client);
void RegisterFile(pybind11::module_& m);
void RegisterSafetensors(pybind11::module_& m);
void RegisterWarm(pybind11::module_& m);

}  // namespace objectfs::python
