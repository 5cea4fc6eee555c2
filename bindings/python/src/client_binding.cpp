// objectfs._objectfs.Client and ObjectInfo. Option values arrive already
// normalised (sizes in bytes, timeouts in seconds) from objectfs/_client.py.
#include <pybind11/chrono.h>
#include <pybind11/stl.h>

#include <chrono>
#include <cmath>

#include "bindings.hpp"
#include "errors.hpp"

namespace py = pybind11;
using namespace py::literals;

namespace objectfs::python {
namespace {

std::shared_ptr<Client> MakeClient(std::string endpoint_url, std::string region,
                                   std::string profile, std::string access_key_id,
                                   std::string secret_access_key, std::string session_token,
                                   bool no_sign_request, bool force_path_style, uint64_t part_size,
                                   int max_parallel_requests, uint64_t memory_limit,
                                   uint64_t max_readahead, int max_attempts, double connect_timeout,
                                   double read_timeout, std::string ca_bundle,
                                   std::string cache_dir, uint64_t cache_size) {
  ClientOptions options;
  options.s3.endpoint_url = std::move(endpoint_url);
  options.s3.region = std::move(region);
  options.s3.profile = std::move(profile);
  options.s3.access_key_id = std::move(access_key_id);
  options.s3.secret_access_key = std::move(secret_access_key);
  options.s3.session_token = std::move(session_token);
  options.s3.no_sign_request = no_sign_request;
  options.s3.force_path_style = force_path_style;
  options.read.part_size = part_size;
  options.read.max_parallel_requests = max_parallel_requests;
  options.read.memory_limit = memory_limit;
  options.read.max_readahead = max_readahead;
  options.http.retry.max_attempts = max_attempts;
  if (!(connect_timeout > 0)) Check(InvalidArgument("connect_timeout must be positive"));
  if (!(read_timeout >= 1)) Check(InvalidArgument("read_timeout must be at least 1 second"));
  options.http.connect_timeout =
      std::chrono::milliseconds(static_cast<int64_t>(std::ceil(connect_timeout * 1000)));
  options.http.low_speed_time = std::chrono::seconds(static_cast<int64_t>(read_timeout));
  options.http.ca_bundle = std::move(ca_bundle);
  options.cache_dir = std::move(cache_dir);
  options.cache_size = cache_size;
  return Unwrap(Client::Create(std::move(options)));
}

double SecondsSinceEpoch(std::chrono::system_clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

// Every row of the counter list (objectfs/stats.hpp), by name.
py::dict StatsDict(const ClientStats& stats) {
  py::dict out;
  for (const StatDescriptor& row : kClientStats) {
    out[py::str(row.name.data(), row.name.size())] = stats.*row.field;
  }
  return out;
}

}  // namespace

void RegisterClient(py::module_& m) {
  py::class_<ObjectInfo>(m, "ObjectInfo", "Metadata of one object (as stat or a listing saw it).")
      .def_readonly("key", &ObjectInfo::key)
      .def_readonly("size", &ObjectInfo::size)
      .def_readonly("etag", &ObjectInfo::etag)
      .def_property_readonly(
          "mtime", [](const ObjectInfo& info) { return SecondsSinceEpoch(info.mtime); },
          "last modification, seconds since the epoch")
      .def("__repr__", [](const ObjectInfo& info) {
        return "ObjectInfo(key=" + py::repr(py::str(info.key)).cast<std::string>() +
               ", size=" + std::to_string(info.size) +
               ", etag=" + py::repr(py::str(info.etag)).cast<std::string>() + ")";
      });

  const ClientOptions defaults;
  py::class_<Client, std::shared_ptr<Client>>(m, "Client",
                                              "Owns connections, caches and I/O threads. "
                                              "Thread-safe.")
      .def(py::init(&MakeClient), py::kw_only(), "endpoint_url"_a = "", "region"_a = "",
           "profile"_a = "", "aws_access_key_id"_a = "", "aws_secret_access_key"_a = "",
           "aws_session_token"_a = "", "no_sign_request"_a = false, "force_path_style"_a = false,
           "part_size"_a = defaults.read.part_size,
           "max_parallel_requests"_a = defaults.read.max_parallel_requests,
           "memory_limit"_a = defaults.read.memory_limit,
           "max_readahead"_a = defaults.read.max_readahead,
           "max_attempts"_a = defaults.http.retry.max_attempts,
           "connect_timeout"_a =
               std::chrono::duration<double>(defaults.http.connect_timeout).count(),
           "read_timeout"_a = static_cast<double>(defaults.http.low_speed_time.count()),
           "ca_bundle"_a = "", "cache_dir"_a = "", "cache_size"_a = defaults.cache_size)
      .def(
          "stat",
          [](Client& client, const std::string& uri) {
            return Unwrap(WithoutGil([&] { return client.Stat(uri); }));
          },
          "uri"_a)
      .def(
          "list",
          [](Client& client, const std::string& uri, const std::string& delimiter,
             const std::string& page_token) {
            ListPage page =
                Unwrap(WithoutGil([&] { return client.List(uri, delimiter, page_token); }));
            return py::make_tuple(std::move(page.objects), std::move(page.common_prefixes),
                                  std::move(page.next_page_token));
          },
          "uri"_a, "delimiter"_a = "/", "page_token"_a = "",
          "One page: (objects, common_prefixes, next_page_token).")
      .def(
          "open",
          [](const std::shared_ptr<Client>& client, const std::string& uri) {
            auto file = Unwrap(WithoutGil([&] { return client->Open(uri); }));
            return OpenFile{client, std::move(file)};
          },
          "uri"_a)
      .def("stats", [](const Client& client) { return StatsDict(client.Stats()); });
}

}  // namespace objectfs::python
