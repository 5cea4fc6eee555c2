// Defects found by the reliability probe (issue 16), each held by a test that
// failed before its fix.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <catch2/catch.hpp>
#include <filesystem>
#include <random>
#include <thread>

#include "core/client_core.hpp"
#include "core/file_factory.hpp"
#include "http/rest.hpp"
#include "http/xml_document.hpp"
#include "objectfs/client.hpp"
#include "objectfs/option_schema.hpp"
#include "objectfs/uri.hpp"
#include "stores/azure/azure_xml.hpp"
#include "stores/gcs/gcs_json.hpp"
#include "stores/s3/s3_xml.hpp"
#include "unit/fake_store.hpp"
#include "unit/temp_dir.hpp"
#include "util/time_formats.hpp"
#include "util/utf8.hpp"

using namespace objectfs;
using namespace objectfs::internal;

namespace {

// A store whose listing answers every token with the same token.
class LoopingListStore : public testing::FakeStore {
 public:
  LoopingListStore() : FakeStore(10) {}
  Result<ListPage> List(const ListRequest&) override {
    ++lists;
    ListPage page;
    page.objects.push_back(ObjectInfo{"k", 10, "\"e\"", {}});
    page.next_page_token = "again";
    return page;
  }
  int lists = 0;
};

bool Contains(const Status& s, std::string_view text) {
  return s.message().find(text) != std::string::npos;
}

}  // namespace

TEST_CASE("a listing that repeats its continuation token is an error, not a loop",
          "[reliability]") {
  auto store = std::make_shared<LoopingListStore>();
  auto client = Client::Create();
  REQUIRE(client.ok());
  REQUIRE((*client)
              ->RegisterStore("mem",
                              [store](const Uri&) -> Result<std::shared_ptr<ObjectStore>> {
                                return std::shared_ptr<ObjectStore>(store);
                              })
              .ok());
  auto first = (*client)->List("mem://bucket/", "/", "");
  REQUIRE(first.ok());  // one page with a token is fine
  CHECK(first->next_page_token == "again");
  auto second = (*client)->List("mem://bucket/", "/", "again");
  REQUIRE(!second.ok());
  CHECK(second.status().code() == StatusCode::kDataLoss);
  CHECK(Contains(second.status(), "repeated its continuation token 'again'"));
  CHECK(Contains(second.status(), "mem://bucket/"));
}

TEST_CASE("the minimum transfer rate bounds a trickle, and cannot be switched off",
          "[reliability][options]") {
  // At 1 byte/s a 1 byte/s trickle never counted as slow (no bound at all).
  CHECK(HttpOptions{}.low_speed_limit_bytes >= 1024);
  ClientOptions o;
  o.http.low_speed_limit_bytes = 0;  // curl: no limit
  CHECK(ValidateOptions(o).message() ==
        "low_speed_limit must be at least 1 byte per second (got 0)");
}

TEST_CASE("part sizes that cannot work are refused with a clear error", "[reliability][options]") {
  ClientOptions o;
  o.read.part_size = 1ull << 40;  // 1T: used to end in std::bad_alloc
  CHECK(ValidateOptions(o).message() == "part_size must be between 64K and 5G (got 1T)");
  // Within 5G but not twice within the automatic memory limit (at most 2G).
  ClientOptions big;
  big.read.part_size = 2ull << 30;
  auto client = Client::Create(big);
  REQUIRE(!client.ok());
  CHECK(client.status().code() == StatusCode::kInvalidArgument);
  CHECK(Contains(client.status(), "part_size 2048 MiB does not fit twice in memory_limit"));
  // An explicit limit large enough is accepted (nothing is allocated up front).
  big.read.memory_limit = 4ull << 30;
  CHECK(Client::Create(big).ok());
}

TEST_CASE("keys that are not UTF-8 are refused with the bytes shown", "[reliability][uri]") {
  CHECK(FirstInvalidUtf8("plain/ключ/€/𝄞") == std::string::npos);
  CHECK(FirstInvalidUtf8("a\xff") == 1);
  CHECK(FirstInvalidUtf8("\xc0\xaf") == 0);          // overlong '/'
  CHECK(FirstInvalidUtf8("x\xed\xa0\x80") == 1);     // a surrogate
  CHECK(FirstInvalidUtf8("\xe2\x82") == 0);          // cut short
  CHECK(FirstInvalidUtf8("\xf4\x90\x80\x80") == 0);  // past U+10FFFF
  CHECK(EscapeInvalidUtf8("a\xff\xfe/ключ") == "a\\xFF\\xFE/ключ");
  for (const char* uri : {"s3://bucket/a\xff", "gs://bucket/\xc0\xaf", "az://container/x\xfe"}) {
    auto parsed = ParseUri(uri);
    INFO(uri);
    REQUIRE(!parsed.ok());
    CHECK(parsed.status().code() == StatusCode::kInvalidArgument);
    CHECK(Contains(parsed.status(), "the key is not valid UTF-8"));
    CHECK(FirstInvalidUtf8(parsed.status().message()) == std::string::npos);
  }
  CHECK(ParseUri("s3://bucket/ключ").ok());
}

TEST_CASE("a relative local path survives Uri::ToString", "[reliability][uri]") {
  auto uri = ParseUri("dir/file.bin");
  REQUIRE(uri.ok());
  CHECK(uri->ToString() == "dir/file.bin");  // was "file://dir/file.bin", which does not parse
  CHECK(ParseUri(uri->ToString()).ok());
  CHECK(ParseUri("/abs/x")->ToString() == "file:///abs/x");
}

TEST_CASE("absurd object sizes are rejected by every parser", "[reliability][rest]") {
  HttpResponse head;
  head.status = 200;
  head.headers = {{"content-length", std::to_string(1ull << 60)}, {"etag", "\"e\""}};
  auto info = ObjectInfoFromHeaders(head, "k", "HeadObject 'k'");
  REQUIRE(!info.ok());
  CHECK(info.status().code() == StatusCode::kDataLoss);
  CHECK(Contains(info.status(), "absurd Content-Length"));
  head.headers = {{"content-length", std::to_string(kMaxObjectSize)}};
  CHECK(ObjectInfoFromHeaders(head, "k", "x").ok());

  auto s3 = [](const std::string& size) {
    return ParseListObjectsV2("<ListBucketResult><Contents><Key>k</Key><Size>" + size +
                              "</Size></Contents><IsTruncated>false</IsTruncated>"
                              "</ListBucketResult>");
  };
  CHECK(s3("12").ok());
  for (const char* bad : {"-1", "ten", "", "100000000000000000000000", "1152921504606846976"}) {
    INFO(bad);
    auto page = s3(bad);
    REQUIRE(!page.ok());
    CHECK(page.status().code() == StatusCode::kDataLoss);
    CHECK(Contains(page.status(), "ListObjectsV2 entry 'k'"));
  }
  auto azure = ParseListBlobs(
      "<EnumerationResults><Blobs><Blob><Name>k</Name><Properties><Content-Length>-3"
      "</Content-Length></Properties></Blob></Blobs></EnumerationResults>",
      "");
  CHECK(azure.status().code() == StatusCode::kDataLoss);
  auto gcs = ParseGcsObject(R"({"name":"k","size":"1152921504606846976","generation":"1"})");
  CHECK(gcs.status().code() == StatusCode::kDataLoss);
  CHECK(Contains(gcs.status(), "absurd"));
}

TEST_CASE("XML answers must be one document", "[reliability][xml]") {
  const std::string one =
      "<ListBucketResult><Contents><Key>k</Key><Size>1</Size></Contents>"
      "<IsTruncated>false</IsTruncated></ListBucketResult>";
  CHECK(ParseListObjectsV2(one).ok());
  auto doubled = ParseListObjectsV2(one + one);  // pugixml alone takes this
  REQUIRE(!doubled.ok());
  CHECK(Contains(doubled.status(), "2 root elements"));
  CHECK(!ParseListObjectsV2(one + "<Error/>").ok());
  CHECK(!ParseListObjectsV2(one.substr(0, 40)).ok());
  CHECK(!ParseUploadId("<InitiateMultipartUploadResult><UploadId>a</UploadId>"
                       "</InitiateMultipartUploadResult><x/>")
             .ok());
  pugi::xml_document doc;
  CHECK(LoadXmlDocument(doc, "<?xml version=\"1.0\"?>\n<a/>\n", "doc").ok());
}

TEST_CASE("a disk cache directory open to or owned by another user is refused at start",
          "[reliability][disk]") {
  testing::TempDir dir;
  auto open_cache = [&] {
    ClientOptions options;
    options.cache_dir = dir.path.string();
    return Client::Create(options);
  };
  REQUIRE(open_cache().ok());  // creates v1/ and v1/blocks/ 0700
  std::filesystem::permissions(dir.path / "v1", std::filesystem::perms(0755));
  auto open_to_others = open_cache();
  REQUIRE(!open_to_others.ok());
  CHECK(open_to_others.status().code() == StatusCode::kPermissionDenied);
  CHECK(Contains(open_to_others.status(), "is open to other users (mode 0755)"));
  std::filesystem::permissions(dir.path / "v1", std::filesystem::perms(0700));
  REQUIRE(open_cache().ok());
  if (::geteuid() == 0) {  // only root can hand a directory to another user
    REQUIRE(::chown((dir.path / "v1" / "blocks").c_str(), 65534, 65534) == 0);
    auto foreign = open_cache();
    REQUIRE(!foreign.ok());
    CHECK(Contains(foreign.status(), "belongs to uid 65534"));
  }
  // A symlink in place of the cache's directory is refused, not followed.
  testing::TempDir elsewhere;
  std::filesystem::remove_all(dir.path / "v1");
  std::filesystem::create_directory_symlink(elsewhere.path, dir.path / "v1");
  auto linked = open_cache();
  REQUIRE(!linked.ok());
  CHECK(Contains(linked.status(), "is not a directory (a symlink?)"));
}

TEST_CASE("dates far from now read as unknown instead of overflowing", "[reliability][time]") {
  // Found by fuzz_s3_xml, fuzz_azure_xml and fuzz_gcs_json: converting year
  // 1013 or 5040 to system_clock's nanoseconds overflowed (undefined behaviour).
  CHECK(!ParseIso8601Strict("1013-11-25T12:34:56.000Z").has_value());
  CHECK(!ParseIso8601Strict("5040-11-25T12:34:56.000Z").has_value());
  CHECK(ParseIso8601("5040-11-25T12:34:56.000Z") == std::chrono::system_clock::time_point{});
  CHECK(ParseHttpDate("Wed, 21 Oct 9999 07:28:00 GMT") == std::chrono::system_clock::time_point{});
  CHECK(std::chrono::system_clock::to_time_t(*ParseIso8601Strict("2026-11-25T12:34:56.000Z")) ==
        1795610096);
  CHECK(std::chrono::system_clock::to_time_t(ParseHttpDate("Wed, 21 Oct 2015 07:28:00 GMT")) ==
        1445412480);
}

TEST_CASE("URIs in messages drop an http(s) query, where presigned URLs keep secrets",
          "[reliability][uri]") {
  auto presigned = ParseUri("https://host.example/k?X-Amz-Signature=secret&X-Amz-Credential=c");
  REQUIRE(presigned.ok());
  CHECK(presigned->ForMessages() == "https://host.example/k");
  CHECK(presigned->ToString().find("secret") != std::string::npos);        // still usable
  CHECK(ParseUri("s3://bucket/a?b")->ForMessages() == "s3://bucket/a?b");  // a key, not a query
}

TEST_CASE("stress: 16 threads of random and sequential reads over 4 files in a small budget",
          "[reliability][stress]") {
  // Run under ThreadSanitizer in CI (-DOBJECTFS_TSAN=ON): the block cache, the
  // readahead and the direct path shared by many readers and files at once.
  ClientOptions options;
  options.read.part_size = 256 << 10;
  options.read.block_size = 64 << 10;
  options.read.initial_readahead = 128 << 10;
  options.read.max_readahead = 1 << 20;
  options.read.memory_limit = 4 << 20;  // far less than what is read: constant eviction
  options.read.max_parallel_requests = 8;
  auto core = std::make_shared<internal::ClientCore>(
      options, [](std::string_view) { return std::optional<std::string>(); });
  std::vector<std::shared_ptr<testing::FakeStore>> stores;
  std::vector<std::shared_ptr<File>> files;
  for (int i = 0; i < 4; ++i) {
    stores.push_back(std::make_shared<testing::FakeStore>((3 << 20) + i * 4097));
    auto info = stores.back()->Stat("obj");
    files.push_back(internal::FileFactory::Make(core, stores.back(),
                                                Uri{"s3", "b", "obj" + std::to_string(i)}, *info));
  }
  std::atomic<int> bad{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(t);
      const auto& file = files[t % 4];
      std::vector<std::byte> buffer(600 << 10);
      uint64_t sequential = 0;
      for (int i = 0; i < 60; ++i) {
        const size_t n = 1 + rng() % buffer.size();
        const uint64_t off = t % 2 == 0 ? sequential : rng() % file->Size();
        auto got = file->PRead(off, std::span(buffer).first(n));
        if (!got.ok()) {
          ++bad;
          continue;
        }
        for (size_t k = 0; k < *got; ++k) {
          if (buffer[k] != testing::PatternByte(off + k, 1)) {
            ++bad;
            break;
          }
        }
        sequential = (off + *got) % file->Size();
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(bad == 0);
  CHECK(core->cache().used() <= options.read.memory_limit);
  // Every store read asked for bytes inside its object (a readahead racing
  // another reader used to register an empty run: a 0-byte read).
  for (const auto& store : stores) {
    const uint64_t size = store->Stat("obj")->size;
    const auto ranges = store->Ranges();
    CHECK(std::all_of(ranges.begin(), ranges.end(),
                      [&](const ByteRange& r) { return r.length > 0 && r.end() <= size; }));
  }
}

TEST_CASE("threads prefetching the same blocks at once never ask the store for 0 bytes",
          "[reliability][stress]") {
  // A block found missing was checked again to start its run; a fetch another
  // thread registered in between left the run empty: a 0-byte fetch and read.
  ClientOptions options;
  options.read.part_size = 256 << 10;
  options.read.block_size = 64 << 10;
  options.read.memory_limit = 64 << 20;
  options.read.max_parallel_requests = 4;
  auto core = std::make_shared<internal::ClientCore>(
      options, [](std::string_view) { return std::optional<std::string>(); });
  auto store = std::make_shared<testing::FakeStore>(4 << 20);
  const auto info = store->Stat("obj");
  constexpr int kThreads = 8;
  std::barrier start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 100; ++round) {
        // A new key each round: an object with nothing cached, the same for every thread.
        auto file = internal::FileFactory::Make(
            core, store, Uri{"s3", "b", "obj" + std::to_string(round)}, *info);
        start.arrive_and_wait();
        const ByteRange range{uint64_t(t % 4) * (64 << 10), 2 << 20};
        file->Prefetch(std::span(&range, 1));
      }
    });
  }
  for (auto& t : threads) t.join();
  const auto ranges = store->Ranges();
  const auto empty =
      std::count_if(ranges.begin(), ranges.end(), [](const ByteRange& r) { return r.length == 0; });
  INFO(empty << " of " << ranges.size() << " store reads were for 0 bytes");
  CHECK(empty == 0);
  CHECK(ranges.size() >= 100);  // every round fetched
}
