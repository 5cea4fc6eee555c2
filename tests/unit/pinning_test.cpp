// Every read path of a File, on every HTTP store, sends the pin taken at open
// (If-Match, the GCS generation) with each data request, and refuses an
// answer carrying another version, even from a server that ignores If-Match.
// The stores are the real ones, over a fake server speaking their dialects.
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "core/client_core.hpp"
#include "core/file_factory.hpp"
#include "objectfs/file.hpp"
#include "objectfs/safetensors.hpp"
#include "unit/fake_transport.hpp"
#include "unit/temp_dir.hpp"

using namespace objectfs;
using objectfs::testing::FakeTransport;
using objectfs::testing::HeaderOf;
using objectfs::testing::ScriptedResponse;
using objectfs::testing::TempDir;

namespace {

constexpr uint64_t kMiB = 1ull << 20;

// A valid safetensors file of one U8 tensor, so the header read parses.
std::string ObjectBytes(char fill) {
  const std::string data(3 * kMiB + 12345, fill);
  std::string json = R"({"t":{"dtype":"U8","shape":[)" + std::to_string(data.size()) +
                     R"(],"data_offsets":[0,)" + std::to_string(data.size()) + "]}}";
  json.resize((json.size() + 7) / 8 * 8, ' ');
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((json.size() >> (8 * i)) & 0xff);
  return bytes + json + data;
}

// One object behind an S3, GCS (emulator), Azure and plain HTTP front. After
// Replace(), it serves version 2 whatever the request's conditions say.
class ObjectServer {
 public:
  ObjectServer() : versions_{ObjectBytes('a'), ObjectBytes('b')} {}

  void Replace() { current_ = 1; }
  const std::string& Bytes() const { return versions_[0]; }

  ScriptedResponse Answer(const internal::HttpRequest& request) const {
    const std::string& bytes = versions_[current_];
    const std::string etag = current_ == 0 ? "\"v1\"" : "\"v2\"";
    const std::string generation = current_ == 0 ? "1001" : "1002";
    const bool gcs = request.url.find("/storage/v1/") != std::string::npos;
    if (gcs && request.url.find("alt=media") == std::string::npos) {
      return {Status::Ok(),
              200,
              {{"content-type", "application/json"}},
              R"({"name":"dir/obj","size":")" + std::to_string(bytes.size()) +
                  R"(","generation":")" + generation + R"(","etag":"CAE="})"};
    }
    if (request.method == "HEAD") {
      return {Status::Ok(),
              200,
              {{"content-length", std::to_string(bytes.size())},
               {"etag", etag},
               {"accept-ranges", "bytes"}},
              ""};
    }
    std::string range = HeaderOf(request, "range");
    if (range.empty()) range = HeaderOf(request, "x-ms-range");
    const size_t dash = range.find('-');
    const uint64_t first = std::stoull(range.substr(6, dash - 6));
    const uint64_t last = std::min<uint64_t>(std::stoull(range.substr(dash + 1)), bytes.size() - 1);
    return {Status::Ok(),
            206,
            {{"content-range", "bytes " + std::to_string(first) + "-" + std::to_string(last) + "/" +
                                   std::to_string(bytes.size())},
             {"etag", etag},
             {"x-goog-generation", generation}},
            bytes.substr(first, last - first + 1)};
  }

 private:
  std::string versions_[2];
  int current_ = 0;
};

struct Setup {
  const char* name;
  const char* uri;
};

const Setup kStores[] = {
    {"s3", "s3://bucket/dir/obj"},
    {"gcs", "gs://bucket/dir/obj"},
    {"azure", "az://container/dir/obj"},
    {"http", "http://127.0.0.1:8080/dir/obj"},
};

ClientOptions Options(const std::string& cache_dir) {
  ClientOptions options;
  options.s3.endpoint_url = "http://127.0.0.1:9000";
  options.s3.region = "us-east-1";
  options.s3.access_key_id = "AKIDTEST";
  options.s3.secret_access_key = "secret";
  options.gcs.emulator_host = "127.0.0.1:9023";
  options.azure.account = "devstoreaccount1";
  options.azure.account_key = "c2VjcmV0LWtleS1ieXRlcw==";
  options.azure.endpoint_url = "http://127.0.0.1:10000/devstoreaccount1";
  options.read.part_size = 1 * kMiB;
  options.read.memory_limit = 16 * kMiB;
  options.read.max_parallel_requests = 4;
  options.http.retry.max_attempts = 1;
  options.cache_dir = cache_dir;
  return options;
}

// A Client core over `server`, with a disk cache when `cache_dir` is set, and
// the object opened (one metadata request) before the test reads it.
struct Opened {
  std::shared_ptr<FakeTransport> fake = std::make_shared<FakeTransport>();
  std::shared_ptr<internal::ClientCore> core;
  std::shared_ptr<File> file;
  ObjectInfo info;
  size_t requests_at_open = 0;

  Opened(ObjectServer& server, const Setup& setup, const std::string& cache_dir = "") {
    fake->fallback = [&server](const internal::HttpRequest& r) { return server.Answer(r); };
    core = std::make_shared<internal::ClientCore>(
        Options(cache_dir), [](std::string_view) { return std::optional<std::string>(); }, fake);
    REQUIRE(core->OpenDiskCache().ok());
    const Uri uri = *ParseUri(setup.uri);
    auto store = core->StoreFor(uri);
    REQUIRE(store.ok());
    auto info = (*store)->Stat(uri.key);
    REQUIRE(info.ok());
    this->info = *info;
    file = internal::FileFactory::Make(core, *store, uri, *info);
    requests_at_open = fake->requests.size();
  }

  // The data requests sent since open; each must carry the pin. Closes the
  // file and the core first, so that readahead still in flight has finished.
  std::vector<internal::HttpRequest> DataRequests() {
    file.reset();
    core.reset();
    return {fake->requests.begin() + static_cast<long>(requests_at_open), fake->requests.end()};
  }
};

bool CarriesPin(const internal::HttpRequest& request, const ObjectInfo& info) {
  if (request.url.find("/storage/v1/") != std::string::npos) {
    const std::string& generation = info.version;
    return !generation.empty() &&
           request.url.find("generation=" + generation) != std::string::npos &&
           request.url.find("ifGenerationMatch=" + generation) != std::string::npos;
  }
  return HeaderOf(request, "if-match") == info.etag;
}

// Each read path of a File: what the test runs, and whether it needs a disk cache.
struct ReadPath {
  const char* name;
  bool disk;
  std::function<Status(const File&)> run;
};

Status FromCount(const Result<size_t>& n) { return n.ok() ? Status::Ok() : n.status(); }

Status ReadAll(const File& f) {
  std::vector<std::byte> out(f.Size());
  return f.ReadInto(out);
}

const std::vector<ReadPath>& ReadPaths() {
  static const std::vector<ReadPath> paths = {
      {"small PRead (memory cache)", false,
       [](const File& f) {
         std::vector<std::byte> out(4096);
         return FromCount(f.PRead(100, out));
       }},
      {"large PRead (parallel parts)", false,
       [](const File& f) {
         std::vector<std::byte> out(2 * kMiB + 7);
         return FromCount(f.PRead(5, out));
       }},
      {"ReadInto", false, ReadAll},
      {"safetensors header", false,
       [](const File& f) {
         auto header = safetensors::ReadHeader(f);
         return header.ok() ? Status::Ok() : header.status();
       }},
      {"disk-tier fill (ReadInto)", true, ReadAll},
      {"warm", true,
       [](const File& f) {
         auto warmed = f.WarmDiskCache({0, f.Size()});
         return warmed.ok() ? Status::Ok() : warmed.status();
       }},
  };
  return paths;
}

}  // namespace

TEST_CASE("every read path sends the pin taken at open with each data request", "[pinning]") {
  for (const Setup& setup : kStores) {
    for (const ReadPath& path : ReadPaths()) {
      DYNAMIC_SECTION(setup.name << ": " << path.name) {
        ObjectServer server;
        TempDir dir;
        Opened opened(server, setup, path.disk ? dir.path.string() : "");
        const Status status = path.run(*opened.file);
        INFO(status.ToString());
        REQUIRE(status.ok());
        const auto requests = opened.DataRequests();
        REQUIRE(!requests.empty());
        for (const auto& request : requests) {
          INFO(request.method << " " << request.url);
          CHECK(CarriesPin(request, opened.info));
        }
      }
    }
  }
}

TEST_CASE("an answer of another version fails every read path as object changed", "[pinning]") {
  for (const Setup& setup : kStores) {
    for (const ReadPath& path : ReadPaths()) {
      DYNAMIC_SECTION(setup.name << ": " << path.name) {
        ObjectServer server;
        TempDir dir;
        Opened opened(server, setup, path.disk ? dir.path.string() : "");
        server.Replace();  // and ignore If-Match, as some servers and caches do
        const Status status = path.run(*opened.file);
        INFO(status.ToString());
        CHECK(status.code() == StatusCode::kObjectChanged);
        CHECK(status.ToString().find("dir/obj") != std::string::npos);
      }
    }
  }
}

TEST_CASE("the bytes read under a pin are those of the version opened", "[pinning]") {
  for (const Setup& setup : kStores) {
    DYNAMIC_SECTION(setup.name) {
      ObjectServer server;
      TempDir dir;
      Opened opened(server, setup, dir.path.string());
      std::vector<std::byte> out(opened.file->Size());
      REQUIRE(opened.file->ReadInto(out).ok());
      CHECK(std::string(reinterpret_cast<const char*>(out.data()), out.size()) == server.Bytes());
    }
  }
}
