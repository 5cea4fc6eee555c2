// The warm library call (lib/warm) over a MemoryStore with a disk cache in a
// temporary directory: prefixes expand, every block is fetched once, a second
// warm (or one after a stop) fetches only what is missing, and reads after it
// send no request.
#include "objectfs/warm.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <mutex>
#include <vector>

#include "core/client_core.hpp"
#include "core/file_factory.hpp"
#include "unit/memory_store.hpp"
#include "unit/temp_dir.hpp"
#include "warm/warm_source.hpp"

using namespace objectfs;
using objectfs::testing::MemoryStore;
using objectfs::testing::TempDir;
namespace fs = std::filesystem;

namespace {

constexpr uint64_t kMiB = 1ull << 20;
constexpr uint64_t kBlock = 8 * kMiB;  // the disk cache's default block

// mem://bucket/KEY URIs over one MemoryStore, files opened as Client::Open does.
class StoreWarmSource : public internal::WarmSource {
 public:
  StoreWarmSource(std::shared_ptr<internal::ClientCore> core, std::shared_ptr<MemoryStore> store)
      : core_(std::move(core)), store_(std::move(store)) {}
  Result<ObjectInfo> Stat(const std::string& uri) override {
    OBJECTFS_ASSIGN_OR_RETURN(Uri parsed, ParseUri(uri));
    return store_->Stat(parsed.key);
  }
  Result<ListPage> List(const std::string& uri, const std::string& token) override {
    OBJECTFS_ASSIGN_OR_RETURN(Uri parsed, ParseUri(uri));
    ListRequest request;
    request.prefix = parsed.key;
    request.page_token = token;
    request.max_keys = 2;  // several pages
    return store_->List(request);
  }
  Result<std::shared_ptr<File>> Open(const std::string& uri,
                                     const std::optional<ObjectInfo>& info) override {
    OBJECTFS_ASSIGN_OR_RETURN(Uri parsed, ParseUri(uri));
    ObjectInfo pinned;
    if (info) {
      pinned = *info;
    } else {
      OBJECTFS_ASSIGN_OR_RETURN(pinned, store_->Stat(parsed.key));
    }
    return internal::FileFactory::Make(core_, store_, parsed, std::move(pinned));
  }
  uint64_t BlockSize() const override {
    return core_->disk_cache() ? core_->disk_cache()->block_size() : 0;
  }
  int DefaultThreads() const override { return 4; }

 private:
  std::shared_ptr<internal::ClientCore> core_;
  std::shared_ptr<MemoryStore> store_;
};

struct WarmFixture {
  TempDir dir;
  std::shared_ptr<MemoryStore> store = std::make_shared<MemoryStore>();
  std::shared_ptr<internal::ClientCore> core;
  std::unique_ptr<StoreWarmSource> source;

  explicit WarmFixture(bool disk = true) {
    ClientOptions options;
    if (disk) options.cache_dir = (dir.path / "cache").string();
    core = std::make_shared<internal::ClientCore>(
        options, [](std::string_view) { return std::optional<std::string>(); });
    REQUIRE(core->OpenDiskCache().ok());
    source = std::make_unique<StoreWarmSource>(core, store);
  }
  std::string Put(const std::string& key, size_t size, char fill) {
    store->Put(key, std::string(size, fill));
    return "s3://bucket/" + key;
  }
  WarmSummary Warm(std::vector<std::string> uris, WarmOptions options = {}) {
    auto summary = internal::RunWarm(*source, uris, options);
    REQUIRE(summary.ok());
    return std::move(*summary);
  }
  // Reads the whole object through a fresh File: the bytes, and how many
  // store reads that took.
  std::pair<std::string, int> Read(const std::string& uri) {
    auto file = source->Open(uri, std::nullopt);
    REQUIRE(file.ok());
    std::string out((*file)->Size(), '\0');
    const int before = store->reads;
    REQUIRE((*file)->ReadInto(std::as_writable_bytes(std::span(out))).ok());
    return {out, store->reads - before};
  }
};

}  // namespace

TEST_CASE("warm: a prefix is fetched block by block, then read with no request", "[warm]") {
  WarmFixture f;
  f.Put("p/a.bin", 3 * kMiB + 5, 'a');
  f.Put("p/sub/b.bin", 2 * kBlock + 1, 'b');  // three blocks, the last one short
  f.Put("p/sub/c.bin", 0, 'c');
  f.Put("p/dir/", 0, 'm');  // a folder marker: not an object to warm
  f.Put("q/other.bin", kMiB, 'q');
  std::vector<WarmObjectResult> finished;
  WarmOptions options;
  options.on_object = [&](const WarmObjectResult& r) { finished.push_back(r); };
  const WarmSummary s = f.Warm({"s3://bucket/p/"}, options);
  CHECK(s.ok());
  CHECK(s.totals.objects == 3);
  CHECK(s.totals.objects_done == 3);
  CHECK(s.totals.total_bytes == 3 * kMiB + 5 + 2 * kBlock + 1);
  CHECK(s.totals.bytes_fetched == s.totals.total_bytes);
  CHECK(s.totals.bytes_cached == 0);
  CHECK(f.store->reads == 1 + 3);  // one GET per block
  REQUIRE(s.objects.size() == 3);
  CHECK(s.objects[0].uri == "s3://bucket/p/a.bin");
  CHECK(s.objects[1].uri == "s3://bucket/p/sub/b.bin");
  CHECK(s.objects[1].bytes_fetched == 2 * kBlock + 1);
  CHECK(finished.size() == 3);
  for (const auto& r : s.objects) CHECK(r.status.ok());

  auto [bytes, reads] = f.Read("s3://bucket/p/sub/b.bin");
  CHECK(bytes == std::string(2 * kBlock + 1, 'b'));
  CHECK(reads == 0);

  // A second warm finds every block cached.
  const WarmSummary again = f.Warm({"s3://bucket/p/"});
  CHECK(again.totals.bytes_fetched == 0);
  CHECK(again.totals.bytes_cached == again.totals.total_bytes);
  CHECK(f.store->reads == 4);
}

TEST_CASE("warm: resumes after a stop, fetching only the blocks still missing", "[warm]") {
  WarmFixture f;
  const std::string uri = f.Put("big.bin", 6 * kBlock, 'z');
  f.store->read_delay = std::chrono::milliseconds(50);
  WarmOptions stop;
  stop.threads = 1;
  stop.progress_interval = std::chrono::milliseconds(1);
  int calls = 0;
  bool saw_done = false;
  stop.progress = [&](const WarmProgress& p) {
    ++calls;
    saw_done = p.done;
    return p.bytes_fetched == 0;  // stop once a block is in
  };
  const WarmSummary stopped = f.Warm({uri}, stop);
  CHECK(stopped.stopped);
  CHECK_FALSE(stopped.ok());
  CHECK(saw_done);  // the last report
  CHECK(calls >= 2);
  REQUIRE(stopped.objects.size() == 1);
  CHECK_FALSE(stopped.objects[0].status.ok());
  const uint64_t fetched = stopped.totals.bytes_fetched;
  CHECK(fetched >= kBlock);
  CHECK(fetched < 6 * kBlock);

  f.store->read_delay = {};
  const WarmSummary resumed = f.Warm({uri});
  CHECK(resumed.ok());
  CHECK(resumed.totals.bytes_cached == fetched);
  CHECK(resumed.totals.bytes_fetched == 6 * kBlock - fetched);
  CHECK(f.Read(uri).second == 0);
}

TEST_CASE("warm: names that match nothing and objects that fail are reported", "[warm]") {
  WarmFixture f;
  const std::string present = f.Put("present.bin", 1000, 'p');
  std::vector<Status> input_errors;
  WarmOptions options;
  options.on_error = [&](const Status& s) { input_errors.push_back(s); };
  const WarmSummary s = f.Warm({present, "s3://bucket/missing.bin", "s3://bucket/none/"}, options);
  CHECK_FALSE(s.ok());
  CHECK(s.totals.objects == 1);
  CHECK(s.totals.objects_failed == 0);
  REQUIRE(s.errors.size() == 2);
  CHECK(s.errors[0].code() == StatusCode::kNotFound);
  CHECK(s.errors[0].message().find("missing.bin") != std::string::npos);
  CHECK(s.errors[1].message().find("none/") != std::string::npos);
  CHECK(input_errors.size() == 2);

  // An object deleted between the listing and its fetch fails on its own.
  f.Put("dir/x.bin", 100, 'x');
  f.Put("dir/y.bin", 100, 'y');
  WarmOptions replace;
  replace.threads = 1;
  replace.on_object = [&](const WarmObjectResult& r) {
    if (r.uri.ends_with("x.bin")) f.store->Remove("dir/y.bin");
  };
  const WarmSummary changed = f.Warm({"s3://bucket/dir/"}, replace);
  CHECK(changed.totals.objects_failed == 1);
  REQUIRE(changed.objects.size() == 2);
  CHECK(changed.objects[0].status.ok());
  CHECK(changed.objects[1].status.code() == StatusCode::kNotFound);
}

TEST_CASE("warm: needs a disk cache", "[warm]") {
  WarmFixture f(false);
  const std::string uri = f.Put("x.bin", 10, 'x');
  const std::vector<std::string> uris = {uri};
  auto summary = internal::RunWarm(*f.source, uris, {});
  REQUIRE_FALSE(summary.ok());
  CHECK(summary.status().code() == StatusCode::kInvalidArgument);
  CHECK(summary.status().message().find("disk cache") != std::string::npos);
}
