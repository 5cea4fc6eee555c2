// The shared (fleet) tier over a local directory (file://, a writable store)
// in front of an in-memory origin: what a second node reads, what it refuses.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "cache/shared_block.hpp"
#include "fake_store.hpp"
#include "objectfs/client.hpp"
#include "temp_dir.hpp"

using namespace objectfs;
using namespace objectfs::internal;
using objectfs::testing::FakeStore;
using objectfs::testing::PatternByte;
using objectfs::testing::TempDir;
using namespace std::chrono_literals;

namespace {

constexpr uint64_t kSize = 20 * (1ull << 20) + 77;  // three 8 MiB blocks, the last short

std::shared_ptr<Client> Node(std::shared_ptr<FakeStore> origin, const std::string& tier,
                             FleetOptions fleet = {}) {
  ClientOptions options;
  options.fleet = fleet;
  options.fleet.shared_cache = "file://" + tier + "/fleet/";
  options.read.memory_limit = 64ull << 20;
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

TEST_CASE("an object's blocks go to a fleet's ranks in turn, from a rank its identity picks",
          "[fleet]") {
  std::set<int> first_ranks;
  for (int object = 0; object < 64; ++object) {
    const std::string identity = "s3://bucket/shard-" + std::to_string(object) + "\n\"etag\"";
    for (int fleet_size : {2, 3, 8, 50}) {
      std::vector<int> share(static_cast<size_t>(fleet_size));
      for (uint64_t block = 0; block < 100; ++block) {
        const int owner = SharedBlockOwner(identity, block, fleet_size);
        REQUIRE((owner >= 0 && owner < fleet_size));
        ++share[static_cast<size_t>(owner)];
      }
      const auto [least, most] = std::minmax_element(share.begin(), share.end());
      CHECK(*most - *least <= 1);
    }
    first_ranks.insert(SharedBlockOwner(identity, 0, 8));
    CHECK(SharedBlockOwner(identity, 5, 1) == 0);
  }
  CHECK(first_ranks.size() == 8);  // one-block objects spread over the fleet
}

TEST_CASE("each rank of a cold fleet fetches an equal share from the origin", "[fleet]") {
  // Four nodes, as four processes would be, reading one 16-block object at
  // once; each sees the origin through its own store, so its reads count apart.
  constexpr uint64_t kBlock = 8ull << 20;
  constexpr uint64_t kBlocks = 16;
  constexpr int kRanks = 4;
  TempDir tier;
  std::vector<std::shared_ptr<FakeStore>> origins;
  std::vector<std::shared_ptr<Client>> clients;
  for (int rank = 0; rank < kRanks; ++rank) {
    FleetOptions fleet;
    fleet.fleet_size = kRanks;
    fleet.fleet_rank = rank;
    fleet.fleet_wait = 60s;
    origins.push_back(std::make_shared<FakeStore>(kBlocks * kBlock));
    clients.push_back(Node(origins.back(), tier.path.string(), fleet));
  }
  // No Catch assertions on the nodes' threads (they are not thread-safe).
  std::vector<char> exact(kRanks);
  std::vector<std::thread> nodes;
  for (int rank = 0; rank < kRanks; ++rank) {
    nodes.emplace_back([&, rank] {
      Client& node = *clients[static_cast<size_t>(rank)];
      auto file = node.Open("mem://bucket/model.bin");
      std::vector<std::byte> chunk(4 << 20);
      bool same = file.ok();
      for (uint64_t at = 0; same && at < kBlocks * kBlock; at += chunk.size()) {
        auto n = (*file)->PRead(at, chunk);
        same = n.ok() && *n == chunk.size() && chunk[12345] == PatternByte(at + 12345, 1) &&
               chunk.back() == PatternByte(at + chunk.size() - 1, 1);
      }
      node.Flush();
      exact[static_cast<size_t>(rank)] = same;
    });
  }
  for (auto& node : nodes) node.join();
  for (int rank = 0; rank < kRanks; ++rank) {
    CHECK(exact[static_cast<size_t>(rank)]);
    CHECK(origins[static_cast<size_t>(rank)]->bytes_read.load() == kBlocks / kRanks * kBlock);
  }
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
