// objectfs._objectfs.Client, ObjectInfo and option_schema().
#include <pybind11/chrono.h>
#include <pybind11/stl.h>

#include <chrono>

#include "bindings.hpp"
#include "errors.hpp"
#include "objectfs/option_schema.hpp"

namespace py = pybind11;
using namespace py::literals;

namespace objectfs::python {
namespace {

// Values arrive as text (objectfs/_client.py converts Python values); the
// library's schema parses them, with the environment and the config file below.
std::shared_ptr<Client> MakeClient(std::vector<std::pair<std::string, std::string>> values,
                                   std::string config) {
  OptionSources sources;
  sources.values = std::move(values);
  sources.config_file = std::move(config);
  ClientOptions options = Unwrap(BuildClientOptions(sources));
  return Unwrap(Client::Create(std::move(options)));
}

const char* TypeName(OptionType type) {
  switch (type) {
    case OptionType::kBool:
      return "bool";
    case OptionType::kInt:
      return "int";
    case OptionType::kSize:
      return "size";
    case OptionType::kSeconds:
      return "seconds";
    case OptionType::kString:
      break;
  }
  return "string";
}

py::list OptionSchema() {
  py::list out;
  for (const OptionInfo& info : Options()) {
    py::list env;
    for (std::string_view name : info.env) {
      if (!name.empty()) env.append(std::string(name));
    }
    out.append(py::dict("name"_a = std::string(info.name), "alias"_a = std::string(info.alias),
                        "type"_a = TypeName(info.type), "default"_a = info.DefaultText(),
                        "help"_a = std::string(info.help), "env"_a = env));
  }
  return out;
}

double SecondsSinceEpoch(std::chrono::system_clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

// Every row of the counter list (objectfs/stats.hpp), by name.
// The counters, then the run's cost as --stats spells it (cost_usd, cost_usd_get, ...).
py::dict StatsDict(const Client& client) {
  py::dict out;
  const ClientStats stats = client.Stats();
  for (const StatDescriptor& row : kClientStats) {
    out[py::str(row.name.data(), row.name.size())] = stats.*row.field;
  }
  const RunCost cost = client.Cost();
  const std::string field = CostFieldName(cost);
  out[py::str(field)] = cost.total;
  for (const auto& [part, value] : cost.parts) out[py::str(field + "_" + part)] = value;
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
      .def_readonly("version", &ObjectInfo::version,
                    "the store's version of the bytes (GCS: the generation), else ''")
      .def("__eq__",
           [](const ObjectInfo& a, const ObjectInfo& b) {
             return a.key == b.key && a.size == b.size && a.etag == b.etag && a.mtime == b.mtime &&
                    a.version == b.version;
           })
      // Picklable, so a dataset's listing travels to DataLoader worker processes.
      .def(py::pickle(
          [](const ObjectInfo& info) {
            return py::make_tuple(info.key, info.size, info.etag,
                                  info.mtime.time_since_epoch().count(), info.version);
          },
          [](const py::tuple& t) {
            if (t.size() != 5) throw py::value_error("ObjectInfo: a pickled state of 5 fields");
            ObjectInfo info;
            info.key = t[0].cast<std::string>();
            info.size = t[1].cast<uint64_t>();
            info.etag = t[2].cast<std::string>();
            info.mtime = std::chrono::system_clock::time_point(
                std::chrono::system_clock::duration(t[3].cast<int64_t>()));
            info.version = t[4].cast<std::string>();
            return info;
          }))
      .def("__repr__", [](const ObjectInfo& info) {
        return "ObjectInfo(key=" + py::repr(py::str(info.key)).cast<std::string>() +
               ", size=" + std::to_string(info.size) +
               ", etag=" + py::repr(py::str(info.etag)).cast<std::string>() + ")";
      });

  m.def("option_schema", &OptionSchema,
        "Every Client option: name, alias, type, default, help, env (the library's schema).");
  py::class_<Client, std::shared_ptr<Client>> client(m, "Client",
                                                     "Owns connections, caches and I/O threads. "
                                                     "Thread-safe.");
  client.def(py::init(&MakeClient), "options"_a, "config"_a = "")
      .def(
          "stat",
          [](Client& client, const std::string& uri) {
            return Unwrap(WithoutGil([&] { return client.Stat(uri); }));
          },
          "uri"_a)
      .def(
          "list",
          [](Client& client, const std::string& uri, const std::string& delimiter,
             const std::string& page_token, int max_keys) {
            ListPage page = Unwrap(
                WithoutGil([&] { return client.List(uri, delimiter, page_token, max_keys); }));
            return py::make_tuple(std::move(page.objects), std::move(page.common_prefixes),
                                  std::move(page.next_page_token));
          },
          "uri"_a, "delimiter"_a = "/", "page_token"_a = "", "max_keys"_a = 1000,
          "One page of at most max_keys entries: (objects, common_prefixes, next_page_token).")
      .def(
          "open",
          [](const std::shared_ptr<Client>& client, const std::string& uri) {
            auto file = Unwrap(WithoutGil([&] { return client->Open(uri); }));
            return OpenFile{client, std::move(file)};
          },
          "uri"_a)
      .def(
          "open_listed",
          [](const std::shared_ptr<Client>& client, const std::string& uri, ObjectInfo listed) {
            auto file =
                Unwrap(WithoutGil([&] { return client->OpenListed(uri, std::move(listed)); }));
            return OpenFile{client, std::move(file)};
          },
          "uri"_a, "listed"_a,
          "Opens with an ObjectInfo from list() (or stat()) of this uri: no request where "
          "the store's listing pins, else one stat.")
      .def_property_readonly("memory_budget", &Client::MemoryBudget,
                             "bytes the memory cache and in-flight reads may hold")
      .def_property_readonly(
          "max_parallel_requests",
          [](const Client& client) { return client.options().read.max_parallel_requests; },
          "ranged GETs in flight per Client (the option, as resolved)")
      .def("stats", &StatsDict)
      .def(
          "metrics_text",
          [](const Client& client) {
            const std::vector<MetricFamily> families = client.Metrics();
            return PrometheusText(families);
          },
          "Every metric family in the Prometheus text format (docs/observability.md).")
      .def("metrics_port", &Client::MetricsPort,
           "The port of the metrics_address server (after port 0), 0 without one.");
  RegisterWriter(m, client);
}

}  // namespace objectfs::python
