// objectfs._objectfs.Writer and the Client's write verbs (create, delete, copy,
// list_uploads, abort_upload). Bytes go from the caller's buffer straight into
// the library's part buffers with the GIL released; nothing is visible under
// the key until close() succeeds.
#include <pybind11/chrono.h>
#include <pybind11/stl.h>

#include <mutex>
#include <span>

#include "bindings.hpp"
#include "errors.hpp"

namespace py = pybind11;
using namespace py::literals;

namespace objectfs::python {
namespace {

// A read-only, C-contiguous view of any buffer-protocol object (bytes,
// bytearray, memoryview, numpy array, mmap, ...), released with the GIL held.
class ReadableBuffer {
 public:
  explicit ReadableBuffer(py::handle object) {
    if (PyObject_GetBuffer(object.ptr(), &view_, PyBUF_C_CONTIGUOUS) != 0) {
      throw py::error_already_set();
    }
  }
  ~ReadableBuffer() { PyBuffer_Release(&view_); }
  ReadableBuffer(const ReadableBuffer&) = delete;
  ReadableBuffer& operator=(const ReadableBuffer&) = delete;

  std::span<const std::byte> bytes() const {
    return {static_cast<const std::byte*>(view_.buf), static_cast<size_t>(view_.len)};
  }

 private:
  Py_buffer view_{};
};

// One upload as Python sees it. The Writer is not thread-safe and the GIL is
// released around every call, so a mutex keeps two Python threads from
// entering it at once. After close or abort the Writer is gone.
struct OpenWriter {
  std::shared_ptr<Client> client;  // its threads upload the parts
  std::unique_ptr<Writer> writer;
  std::string uri;
  uint64_t bytes_written = 0;
  std::mutex mu;

  Writer& Live() {
    if (!writer) Check(InvalidArgument(uri + ": the writer is closed"));
    return *writer;
  }
};

size_t Write(OpenWriter& w, py::handle data) {
  ReadableBuffer in(data);
  const std::span<const std::byte> bytes = in.bytes();
  Status status = WithoutGil([&] {
    std::lock_guard lock(w.mu);
    if (!w.writer) return InvalidArgument(w.uri + ": write to a closed writer");
    Status s = w.writer->Write(bytes);
    w.bytes_written = w.writer->bytes_written();
    return s;
  });
  Check(status);
  return bytes.size();
}

ObjectInfo Close(OpenWriter& w) {
  auto info = WithoutGil([&]() -> Result<ObjectInfo> {
    std::lock_guard lock(w.mu);
    if (!w.writer) return InvalidArgument(w.uri + ": the writer is already closed");
    std::unique_ptr<Writer> writer = std::move(w.writer);
    return writer->Close();  // aborts the upload itself on failure
  });
  return Unwrap(std::move(info));
}

void Abort(OpenWriter& w) {
  Status status = WithoutGil([&] {
    std::lock_guard lock(w.mu);
    if (!w.writer) return Status::Ok();  // closed or aborted already: nothing to discard
    std::unique_ptr<Writer> writer = std::move(w.writer);
    return writer->Abort();
  });
  Check(status);
}

WriteOptions MakeWriteOptions(bool no_overwrite, uint64_t part_size, std::string content_type,
                              bool check_destination) {
  WriteOptions options;
  options.no_overwrite = no_overwrite;
  options.part_size = part_size;
  options.content_type = std::move(content_type);
  options.check_destination = check_destination;
  return options;
}

double SecondsSinceEpoch(std::chrono::system_clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

}  // namespace

void RegisterWriter(py::module_& m, py::class_<Client, std::shared_ptr<Client>>& client) {
  py::class_<OpenWriter>(m, "Writer",
                         "One upload. Nothing is visible under the key until close() "
                         "succeeds; destroying it unclosed aborts the upload.")
      .def_property_readonly("uri", [](const OpenWriter& w) { return w.uri; })
      .def_property_readonly("bytes_written", [](const OpenWriter& w) { return w.bytes_written; })
      .def_property_readonly("closed", [](const OpenWriter& w) { return !w.writer; })
      .def("write", &Write, "data"_a,
           "Appends a C-contiguous buffer (bytes, bytearray, memoryview, numpy array); "
           "returns len in bytes. Blocks while the parts in flight fill the memory budget.")
      .def("close", &Close,
           "Uploads the rest, waits for every part and commits; returns the ObjectInfo.")
      .def("abort", &Abort, "Discards the upload. Safe to call more than once.");

  client
      .def(
          "create",
          [](const std::shared_ptr<Client>& c, const std::string& uri, bool no_overwrite,
             uint64_t part_size, std::string content_type, bool check_destination) {
            WriteOptions options = MakeWriteOptions(no_overwrite, part_size,
                                                    std::move(content_type), check_destination);
            auto writer = Unwrap(WithoutGil([&] { return c->Create(uri, std::move(options)); }));
            auto out = std::make_unique<OpenWriter>();
            out->client = c;
            out->uri = writer->uri().ToString();
            out->writer = std::move(writer);
            return out;
          },
          "uri"_a, "no_overwrite"_a = false, "part_size"_a = 0, "content_type"_a = "",
          "check_destination"_a = true)
      .def(
          "delete",
          [](Client& c, const std::string& uri) {
            Check(WithoutGil([&] { return c.Delete(uri); }));
          },
          "uri"_a)
      .def(
          "copy",
          [](Client& c, const std::string& source, const std::string& destination,
             bool no_overwrite, uint64_t part_size, std::string content_type) {
            WriteOptions options =
                MakeWriteOptions(no_overwrite, part_size, std::move(content_type), true);
            return Unwrap(
                WithoutGil([&] { return c.Copy(source, destination, std::move(options)); }));
          },
          "source"_a, "destination"_a, "no_overwrite"_a = false, "part_size"_a = 0,
          "content_type"_a = "")
      .def(
          "list_uploads",
          [](Client& c, const std::string& uri) {
            auto uploads = Unwrap(WithoutGil([&] { return c.ListUploads(uri); }));
            py::list out;
            for (const PendingUpload& u : uploads) {
              out.append(py::dict("key"_a = u.key, "upload_id"_a = u.upload_id,
                                  "started"_a = SecondsSinceEpoch(u.started)));
            }
            return out;
          },
          "uri"_a, "Multipart uploads left under uri: [{key, upload_id, started}].")
      .def(
          "abort_upload",
          [](Client& c, const std::string& uri, const std::string& upload_id) {
            Check(WithoutGil([&] { return c.AbortUpload(uri, upload_id); }));
          },
          "uri"_a, "upload_id"_a);
}

}  // namespace objectfs::python
