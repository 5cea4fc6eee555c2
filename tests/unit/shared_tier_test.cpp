// The shared (fleet) tier over a local directory (file://, a writable store)
// in front of an in-memory origin: what a second node reads, what it refuses.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "cache/shared_block.hpp"
#include "fake_store.hpp"
#include "objectfs/client.hpp"
#include "temp_dir.hpp"

using namespace objectfs;
using namespace objectfs::internal;
using objectfs::testing::FakeStore;
using objectfs::testing::PatternByte;
using objectfs::testing::TempDir;

namespace {

constexpr uint64_t kSize = 20 * (1ull << 20) + 77;  // three 8 MiB blocks, the last short

std::shared_ptr<Client> Node(std::shared_ptr<FakeStore> origin, const std::string& tier) {
  ClientOptions options;
  options.fleet.shared_cache = "file://" + tier + "/fleet/";
  auto client = Client::Create(options);
  REQUIRE(client.ok());
  REQUIRE((*client)
              ->RegisterStore("mem",
                              [origin](const Uri&) -> Result<std::shared_ptr<ObjectStore>> {
                                return std::shared_ptr<ObjectStore>(origin);
                              })
              .ok());
  return *client;
}

void ReadAll(Client& client) {
  auto file = client.Open("mem://bucket/model.bin");
  REQUIRE(file.ok());
  std::vector<std::byte> bytes(kSize);
  REQUIRE((*file)->ReadInto(bytes).ok());
  for (uint64_t i = 0; i < kSize; i += 4093) REQUIRE(bytes[i] == PatternByte(i, 1));
  REQUIRE(bytes[kSize - 1] == PatternByte(kSize - 1, 1));
}

std::vector<std::filesystem::path> Blocks(const std::string& tier) {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(tier)) {
    if (e.is_regular_file()) out.push_back(e.path());
  }
  return out;
}

}  // namespace

TEST_CASE("a block object verifies only for its identity, length and bytes", "[fleet]") {
  std::vector<std::byte> object(kSharedBlockHeader + 100);
  for (size_t i = 0; i < 100; ++i) object[kSharedBlockHeader + i] = std::byte(i);
  const std::span<const std::byte> payload(object.data() + kSharedBlockHeader, 100);
  EncodeSharedBlockHeader(
      "id", payload, std::span<std::byte, kSharedBlockHeader>(object.data(), kSharedBlockHeader));
  CHECK(VerifySharedBlock("id", object, 100));
  CHECK_FALSE(VerifySharedBlock("other id", object, 100));
  CHECK_FALSE(VerifySharedBlock("id", object, 99));
  CHECK_FALSE(VerifySharedBlock("id", std::span(object).first(object.size() - 1), 100));
  object[kSharedBlockHeader + 50] ^= std::byte(1);
  CHECK_FALSE(VerifySharedBlock("id", object, 100));
  CHECK(SharedBlockName("a", 8 << 20, 0) != SharedBlockName("a", 8 << 20, 1));
  CHECK(SharedBlockName("a", 8 << 20, 0) != SharedBlockName("b", 8 << 20, 0));
}

TEST_CASE("a second node reads what the first published, never the origin", "[fleet]") {
  TempDir tier;
  auto origin = std::make_shared<FakeStore>(kSize);
  {
    auto first = Node(origin, tier.path.string());
    ReadAll(*first);
    first->Flush();
    CHECK(first->Stats().shared_bytes_written == kSize);
  }
  CHECK(Blocks(tier.path.string()).size() == 3);
  const size_t origin_reads = origin->Ranges().size();
  auto second = Node(origin, tier.path.string());
  ReadAll(*second);
  CHECK(origin->Ranges().size() == origin_reads);
  CHECK(second->Stats().shared_hits >= 3);
}

TEST_CASE("a corrupt tier block is ignored and fetched from the origin", "[fleet]") {
  TempDir tier;
  auto origin = std::make_shared<FakeStore>(kSize);
  {
    auto first = Node(origin, tier.path.string());
    ReadAll(*first);
  }
  for (const auto& block : Blocks(tier.path.string())) {
    std::fstream f(block, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(kSharedBlockHeader + 12345);
    f.put('\x5a');
  }
  const uint64_t before = origin->bytes_read.load();
  auto second = Node(origin, tier.path.string());
  ReadAll(*second);
  CHECK(second->Stats().shared_corrupt_blocks >= 3);
  CHECK(second->Stats().shared_hits == 0);
  CHECK(origin->bytes_read.load() - before >= kSize);
}

TEST_CASE("a tier on a store that cannot be written is refused when the Client starts", "[fleet]") {
  ClientOptions options;
  options.fleet.shared_cache = "https://example.invalid/blocks/";
  auto client = Client::Create(options);
  REQUIRE(!client.ok());
  CHECK_THAT(client.status().message(),
             Catch::Contains("shared_cache https://example.invalid/blocks/") &&
                 Catch::Contains("cannot be written"));
}
