// Client::OpenListed: a listing entry opens a File with no metadata request
// where the store's listing pins (StoreCapabilities::listing_pins), its reads
// carry the listed ETag, and elsewhere it costs one Stat as Open(uri) does.
#include <algorithm>
#include <catch2/catch.hpp>
#include <mutex>

#include "objectfs/client.hpp"
#include "unit/memory_store.hpp"

using namespace objectfs;
using objectfs::testing::MemoryStore;

namespace {

// A MemoryStore that says whether its listing pins and records the If-Match
// of every read.
class PinRecordingStore : public MemoryStore {
 public:
  explicit PinRecordingStore(bool listing_pins) : listing_pins_(listing_pins) {}
  StoreCapabilities Capabilities() const override {
    StoreCapabilities caps;
    caps.listing_pins = listing_pins_;
    return caps;
  }
  Result<size_t> Read(std::string_view key, ByteRange range, std::span<std::byte> out,
                      const ReadConditions& conditions) override {
    {
      std::lock_guard lock(pins_mu_);
      pins_.push_back(conditions.if_match);
    }
    return MemoryStore::Read(key, range, out, conditions);
  }
  std::vector<std::string> Pins() {
    std::lock_guard lock(pins_mu_);
    return pins_;
  }

 private:
  const bool listing_pins_;
  std::mutex pins_mu_;
  std::vector<std::string> pins_;
};

std::shared_ptr<Client> ClientOver(std::shared_ptr<ObjectStore> store) {
  auto client = Client::Create();
  REQUIRE(client.ok());
  REQUIRE(
      (*client)
          ->RegisterStore(
              "mem", [store](const Uri&) -> Result<std::shared_ptr<ObjectStore>> { return store; })
          .ok());
  return *client;
}

std::string Contents(int i) { return "object " + std::to_string(i) + std::string(100 + i, 'x'); }

std::string ReadAll(const File& file) {
  std::string out(file.Size(), '\0');
  REQUIRE(file.ReadInto(std::span(reinterpret_cast<std::byte*>(out.data()), out.size())).ok());
  return out;
}

}  // namespace

TEST_CASE("OpenListed on a store whose listing pins sends no HEAD", "[open_listed]") {
  auto store = std::make_shared<PinRecordingStore>(/*listing_pins=*/true);
  for (int i = 0; i < 20; ++i) store->Put("data/" + std::to_string(i), Contents(i));
  auto client = ClientOver(store);
  auto page = client->List("mem://bucket/data/", "");
  REQUIRE(page.ok());
  REQUIRE(page->objects.size() == 20);
  for (const ObjectInfo& entry : page->objects) {
    auto file = client->OpenListed("mem://bucket/" + entry.key, entry);
    REQUIRE(file.ok());
    CHECK((*file)->ETag() == entry.etag);
    const int i = std::stoi(entry.key.substr(5));
    CHECK(ReadAll(**file) == Contents(i));
  }
  CHECK(store->stats == 0);
  CHECK(store->lists == 1);
  const auto pins = store->Pins();
  REQUIRE(pins.size() == 20);
  for (const ObjectInfo& entry : page->objects) {
    CHECK(std::find(pins.begin(), pins.end(), entry.etag) != pins.end());
  }
  CHECK(std::find(pins.begin(), pins.end(), std::string()) == pins.end());
}

TEST_CASE("OpenListed pins the version listed: a replaced object fails as changed",
          "[open_listed]") {
  auto store = std::make_shared<PinRecordingStore>(/*listing_pins=*/true);
  store->Put("data/a", "first version");
  auto client = ClientOver(store);
  auto page = client->List("mem://bucket/data/", "");
  REQUIRE(page.ok());
  REQUIRE(page->objects.size() == 1);
  store->Put("data/a", "second version");
  auto file = client->OpenListed("mem://bucket/data/a", page->objects[0]);
  REQUIRE(file.ok());
  std::string out((*file)->Size(), '\0');
  Status read = (*file)->ReadInto(std::span(reinterpret_cast<std::byte*>(out.data()), out.size()));
  CHECK(read.code() == StatusCode::kObjectChanged);
  CHECK(store->stats == 0);
}

TEST_CASE("OpenListed on a store whose listing does not pin costs one Stat", "[open_listed]") {
  auto store = std::make_shared<PinRecordingStore>(/*listing_pins=*/false);
  for (int i = 0; i < 5; ++i) store->Put("data/" + std::to_string(i), Contents(i));
  auto client = ClientOver(store);
  auto page = client->List("mem://bucket/data/", "");
  REQUIRE(page.ok());
  // A listing that spells the ETag its own way: the pin must come from Stat.
  for (ObjectInfo entry : page->objects) {
    const std::string stat_etag = entry.etag;
    entry.etag = "listed-" + entry.etag;
    auto file = client->OpenListed("mem://bucket/" + entry.key, entry);
    REQUIRE(file.ok());
    CHECK((*file)->ETag() == stat_etag);
    CHECK(ReadAll(**file) == Contents(std::stoi(entry.key.substr(5))));
  }
  CHECK(store->stats == 5);
  for (const std::string& pin : store->Pins()) CHECK(pin.rfind("listed-", 0) != 0);
}

TEST_CASE("OpenListed refuses an entry of another key", "[open_listed]") {
  auto store = std::make_shared<PinRecordingStore>(/*listing_pins=*/true);
  store->Put("a", "aaa");
  store->Put("b", "bbb");
  auto client = ClientOver(store);
  auto page = client->List("mem://bucket/", "");
  REQUIRE(page.ok());
  REQUIRE(page->objects.size() == 2);
  auto file = client->OpenListed("mem://bucket/b", page->objects[0]);
  REQUIRE(!file.ok());
  CHECK(file.status().code() == StatusCode::kInvalidArgument);
  CHECK(file.status().message().find("mem://bucket/b") != std::string::npos);
  CHECK(store->stats == 0);
  CHECK(store->reads == 0);
}
