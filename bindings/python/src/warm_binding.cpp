// objectfs._objectfs.warm: the library's Warm (objectfs/warm.hpp) with the GIL
// released while blocks are fetched. The progress callback runs with the GIL
// held; an exception it raises (KeyboardInterrupt included) stops the warm and
// is raised again by warm().
#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include <optional>

#include "bindings.hpp"
#include "errors.hpp"
#include "objectfs/warm.hpp"

namespace py = pybind11;
using namespace py::literals;

namespace objectfs::python {
namespace {

py::dict ProgressDict(const WarmProgress& p) {
  return py::dict("total_bytes"_a = p.total_bytes, "bytes_fetched"_a = p.bytes_fetched,
                  "bytes_cached"_a = p.bytes_cached, "objects"_a = p.objects,
                  "objects_done"_a = p.objects_done, "objects_failed"_a = p.objects_failed,
                  "seconds"_a = p.seconds, "done"_a = p.done);
}

py::object ErrorText(const Status& status) {
  return status.ok() ? py::object(py::none()) : py::object(py::str(status.ToString()));
}

py::dict SummaryDict(const WarmSummary& summary) {
  py::dict out = ProgressDict(summary.totals);
  py::list objects;
  for (const WarmObjectResult& r : summary.objects) {
    objects.append(py::dict("uri"_a = r.uri, "size"_a = r.size, "bytes_fetched"_a = r.bytes_fetched,
                            "bytes_cached"_a = r.bytes_cached, "error"_a = ErrorText(r.status)));
  }
  py::list errors;
  for (const Status& status : summary.errors) errors.append(status.ToString());
  out["results"] = objects;
  out["errors"] = errors;
  out["ok"] = summary.ok();
  return out;
}

py::dict Warm(Client& client, const std::vector<std::string>& uris, int threads,
              std::optional<py::function> progress) {
  WarmOptions options;
  options.threads = threads;
  std::optional<py::error_already_set> raised;
  // Always installed: it also lets Ctrl-C (a pending signal) stop the warm.
  options.progress = [&](const WarmProgress& p) {
    py::gil_scoped_acquire gil;
    if (raised) return false;
    try {
      if (PyErr_CheckSignals() != 0) throw py::error_already_set();
      if (progress) (*progress)(ProgressDict(p));
      return true;
    } catch (py::error_already_set& e) {
      raised = std::move(e);
      return false;
    }
  };
  auto summary = WithoutGil([&] { return objectfs::Warm(client, uris, options); });
  if (raised) throw std::move(*raised);
  return SummaryDict(Unwrap(std::move(summary)));
}

}  // namespace

void RegisterWarm(py::module_& m) {
  m.def("warm", &Warm, "client"_a, "uris"_a, "threads"_a = 0, "progress"_a = py::none(),
        "Fills the client's disk cache with objects and prefixes; returns a summary dict.");
}

}  // namespace objectfs::python
