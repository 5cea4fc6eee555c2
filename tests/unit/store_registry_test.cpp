// Stores come from a Client's registry: embedders register their own store
// and read it through Client, File, the memory cache and the disk cache.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>

#include "objectfs/client.hpp"
#include "unit/fake_store.hpp"
#include "unit/temp_dir.hpp"

using namespace objectfs;
using objectfs::testing::FakeStore;
using objectfs::testing::PatternByte;
using objectfs::testing::TempDir;

namespace {

constexpr uint64_t kSize = 20 * (1ull << 20) + 77;

std::shared_ptr<Client> ClientWith(std::shared_ptr<FakeStore> store, std::string cache_dir = "") {
  ClientOptions options;
  options.read.part_size = 8ull << 20;
  options.cache_dir = std::move(cache_dir);
  auto client = Client::Create(options);
  REQUIRE(client.ok());
  REQUIRE((*client)
              ->RegisterStore("mem",
                              [store](const Uri& uri) -> Result<std::shared_ptr<ObjectStore>> {
                                if (uri.bucket != "bucket") return NotFound("no such bucket");
                                return std::shared_ptr<ObjectStore>(store);
                              })
              .ok());
  return *client;
}

bool IsPattern(const std::vector<std::byte>& bytes, uint64_t offset) {
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (bytes[i] != PatternByte(offset + i, 1)) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("a store registered on a Client is read through File and the memory cache",
          "[registry]") {
  auto store = std::make_shared<FakeStore>(kSize);
  auto client = ClientWith(store);
  auto file = client->Open("mem://bucket/obj");
  REQUIRE(file.ok());
  CHECK((*file)->Size() == kSize);
  std::vector<std::byte> small(4096);
  // A first read at 0 starts a stream: its blocks stay in the memory cache.
  REQUIRE((*file)->PRead(0, small).ok());
  CHECK(IsPattern(small, 0));
  REQUIRE((*file)->PRead(0, small).ok());
  // Readahead may still be fetching what follows, but byte 0 was fetched once.
  const auto ranges = store->Ranges();
  CHECK(std::count_if(ranges.begin(), ranges.end(),
                      [](const ByteRange& r) { return r.offset == 0; }) == 1);
  CHECK(client->Stats().cache_hits > 0);
  std::vector<std::byte> all(kSize);
  REQUIRE((*file)->ReadInto(all).ok());
  CHECK(IsPattern(all, 0));

  auto missing = client->Open("mem://other/obj");
  CHECK(missing.status().code() == StatusCode::kNotFound);
  CHECK(missing.status().message().find("mem://other/obj") != std::string::npos);
}

TEST_CASE("a registered store gets the disk cache", "[registry]") {
  TempDir dir;
  auto store = std::make_shared<FakeStore>(kSize);
  {
    auto client = ClientWith(store, dir.path.string());
    auto file = client->Open("mem://bucket/obj");
    REQUIRE(file.ok());
    std::vector<std::byte> all(kSize);
    REQUIRE((*file)->ReadInto(all).ok());
    CHECK(client->Stats().disk_bytes_written == kSize);
  }
  auto client = ClientWith(store, dir.path.string());
  auto file = client->Open("mem://bucket/obj");
  REQUIRE(file.ok());
  const uint64_t reads = store->reads.load();
  std::vector<std::byte> all(kSize);
  REQUIRE((*file)->ReadInto(all).ok());
  CHECK(IsPattern(all, 0));
  CHECK(store->reads.load() == reads);  // every byte from the disk cache
  CHECK(client->Stats().disk_bytes_read == kSize);
}

TEST_CASE("registering a scheme twice or over a built-in one fails", "[registry]") {
  auto store = std::make_shared<FakeStore>(10);
  auto client = ClientWith(store);
  auto factory = [store](const Uri&) { return Result<std::shared_ptr<ObjectStore>>(store); };
  CHECK(client->RegisterStore("mem", factory).code() == StatusCode::kInvalidArgument);
  const Status s3 = client->RegisterStore("s3", factory);
  CHECK(s3.code() == StatusCode::kInvalidArgument);
  CHECK(s3.message().find("'s3' is already registered") != std::string::npos);
  CHECK(client->RegisterStore("Bad Scheme", factory).code() == StatusCode::kInvalidArgument);
  CHECK(client->RegisterStore("mem2", nullptr).code() == StatusCode::kInvalidArgument);

  auto unknown = client->Stat("nope://bucket/x");
  CHECK(unknown.status().code() == StatusCode::kInvalidArgument);
  CHECK(unknown.status().message().find("supported: s3, gs, az, https, http, file, mem") !=
        std::string::npos);
  // Another Client does not know this one's schemes.
  auto other = Client::Create();
  REQUIRE(other.ok());
  CHECK((*other)->Stat("mem://bucket/obj").status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("listing a store without listing fails before any request", "[registry]") {
  auto client = Client::Create();
  REQUIRE(client.ok());
  auto page = (*client)->List("https://127.0.0.1:1/some/dir/");
  CHECK(page.status().code() == StatusCode::kUnimplemented);
  CHECK(page.status().message().find(
            "listing is not available for https://127.0.0.1:1/some/dir/") != std::string::npos);
  CHECK((*client)->Stats().head_requests + (*client)->Stats().get_requests +
            (*client)->Stats().list_requests ==
        0);
}
