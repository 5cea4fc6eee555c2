// Opening model.safetensors.index.json starts the header reads of the shards
// it names (lib/core/shard_warm.hpp), over an in-memory store: which keys an
// index may name, that each shard's first bytes arrive before it is opened,
// once per Client, and not with prefetch_formats=off.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>

#include "core/client_core.hpp"
#include "core/file_factory.hpp"
#include "objectfs/safetensors.hpp"
#include "prefetch/shard_index.hpp"
#include "unit/memory_store.hpp"

using namespace objectfs;
using objectfs::internal::prefetch::IsShardIndex;
using objectfs::internal::prefetch::ShardKeys;

namespace {

// A MemoryStore that counts the bytes read of each key and its reads at 0.
class CountingStore : public testing::MemoryStore {
 public:
  Result<size_t> Read(std::string_view key, ByteRange range, std::span<std::byte> out,
                      const ReadConditions& conditions) override {
    {
      std::lock_guard lock(mu_);
      read_[std::string(key)] += range.length;
      if (range.offset == 0) ++reads_at_0_[std::string(key)];
    }
    return MemoryStore::Read(key, range, out, conditions);
  }
  uint64_t BytesRead(const std::string& key) {
    std::lock_guard lock(mu_);
    return read_[key];
  }
  int ReadsAt0(const std::string& key) {
    std::lock_guard lock(mu_);
    return reads_at_0_[key];
  }

 private:
  std::mutex mu_;
  std::map<std::string, uint64_t> read_;
  std::map<std::string, int> reads_at_0_;
};

// A safetensors file of one U8 tensor of `size` bytes.
std::string Shard(const std::string& tensor, uint64_t size) {
  const std::string json = "{\"" + tensor + "\":{\"dtype\":\"U8\",\"shape\":[" +
                           std::to_string(size) + "],\"data_offsets\":[0," + std::to_string(size) +
                           "]}}";
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((json.size() >> (8 * i)) & 0xff);
  return bytes + json + std::string(size, static_cast<char>(tensor.size()));
}

struct Model {
  std::shared_ptr<CountingStore> store = std::make_shared<CountingStore>();
  std::shared_ptr<internal::ClientCore> core;
  std::vector<std::string> shards = {"m/model-00001-of-00003.safetensors",
                                     "m/model-00002-of-00003.safetensors",
                                     "m/model-00003-of-00003.safetensors"};

  explicit Model(const std::string& prefetch_formats = "auto") {
    ClientOptions options;
    options.read.prefetch_formats = prefetch_formats;
    core = std::make_shared<internal::ClientCore>(
        options, [](std::string_view) { return std::optional<std::string>(); });
    std::string map;
    for (size_t i = 0; i < shards.size(); ++i) {
      store->Put(shards[i], Shard("w" + std::to_string(i), 3 << 20));
      for (int t = 0; t < 2; ++t) {
        map += std::string(map.empty() ? "" : ",") + "\"layer" + std::to_string(i) + "." +
               std::to_string(t) + "\":\"" + shards[i].substr(2) + "\"";
      }
    }
    store->Put("m/model.safetensors.index.json",
               "{\"metadata\":{\"total_size\":1},\"weight_map\":{" + map + "}}");
  }
  std::shared_ptr<File> Open(const std::string& key) {
    auto info = store->Stat(key);
    REQUIRE(info.ok());
    return internal::FileFactory::Make(core, store, Uri{"s3", "b", key}, *info);
  }
  void ReadIndex() {
    auto index = Open("m/model.safetensors.index.json");
    std::vector<std::byte> out(index->Size());
    REQUIRE(index->PRead(0, out).ok());
  }
  // Waits (at most 5 s) until every shard's first bytes were read.
  bool ShardHeadsArrive() {
    for (int i = 0; i < 500; ++i) {
      bool all = true;
      for (const auto& shard : shards) all = all && store->BytesRead(shard) > 0;
      if (all) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
};

}  // namespace

TEST_CASE("shard index: the shards it names, next to it, and only plain names", "[shards]") {
  CHECK(IsShardIndex("m/model.safetensors.index.json"));
  CHECK_FALSE(IsShardIndex("m/model.safetensors"));
  auto keys = ShardKeys(R"({"weight_map":{"a":"s2.safetensors","b":"s1.safetensors",
                            "c":"s2.safetensors"}})",
                        "dir/x/model.safetensors.index.json");
  REQUIRE(keys.ok());
  CHECK(*keys == std::vector<std::string>{"dir/x/s1.safetensors", "dir/x/s2.safetensors"});
  CHECK(ShardKeys(R"({"weight_map":{"a":"s.safetensors"}})", "i.safetensors.index.json")->at(0) ==
        "s.safetensors");
  for (const char* bad :
       {R"({"weight_map":{"a":"../up.safetensors"}})", R"({"weight_map":{"a":"/abs.safetensors"}})",
        R"({"weight_map":{"a":"sub/s.safetensors"}})", R"({"weight_map":{"a":"s.bin"}})",
        R"({"weight_map":{"a":7}})", R"({"weight_map":["s.safetensors"]})", R"({"metadata":{}})",
        R"({"weight_map":{"a":)"}) {
    auto refused = ShardKeys(bad, "m/i.safetensors.index.json");
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.status().message().find("m/i.safetensors.index.json") != std::string::npos);
  }
}

TEST_CASE("shard index: the weight map as listed, each error naming tensor and shard", "[shards]") {
  auto index = objectfs::safetensors::ParseShardIndex(
      R"({"metadata":{},"weight_map":{"b":"s2.safetensors","a":"s1.safetensors",
          "c":"s2.safetensors"}})",
      "m/i.json");
  REQUIRE(index.ok());
  CHECK(index->shards == std::vector<std::string>{"s1.safetensors", "s2.safetensors"});
  REQUIRE(index->weight_map.size() == 3);
  CHECK(index->weight_map[0] == std::pair<std::string, std::string>{"a", "s1.safetensors"});
  auto evil = objectfs::safetensors::ParseShardIndex(R"({"weight_map":{"w":"../x"}})", "m/i.json");
  REQUIRE_FALSE(evil.ok());
  CHECK(evil.status().code() == StatusCode::kInvalidArgument);
  CHECK(evil.status().message() ==
        "shard index 'm/i.json': tensor 'w' names an invalid shard '../x' (expected a "
        ".safetensors file name beside the index)");
  auto number = objectfs::safetensors::ParseShardIndex(R"({"weight_map":{"w":7}})", "i");
  CHECK(number.status().message().find("invalid shard 7 ") != std::string::npos);
  auto empty = objectfs::safetensors::ParseShardIndex(R"({"weight_map":{}})", "i");
  CHECK(empty.status().message().find("no \"weight_map\"") != std::string::npos);
}

TEST_CASE("shard index: reading it fetches each shard's header before the shard is opened",
          "[shards]") {
  Model m;
  m.ReadIndex();
  REQUIRE(m.ShardHeadsArrive());
  const uint64_t head = m.store->BytesRead(m.shards[1]);
  CHECK(head <= 1 << 20);  // the head only, not the 3 MiB shard
  // The loader's header read of a shard is served from the cache (then its
  // own plan fetches the tensors, from the end of the head on).
  CHECK(m.store->ReadsAt0(m.shards[1]) == 1);
  auto shard = m.Open(m.shards[1]);
  std::vector<std::byte> header(8 + 64);
  REQUIRE(shard->PRead(0, header).ok());
  const std::string expected = Shard("w1", 3 << 20).substr(0, header.size());
  CHECK(std::memcmp(header.data(), expected.data(), header.size()) == 0);
  CHECK(m.store->ReadsAt0(m.shards[1]) == 1);
  // Once per Client: another read of the index sends no more HEADs.
  const int stats = m.store->stats;
  m.ReadIndex();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(m.store->stats == stats + 1);  // the index's own open
}

TEST_CASE("shard index: prefetch_formats=off and a bad index warm nothing", "[shards]") {
  Model off("off");
  off.ReadIndex();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  for (const auto& shard : off.shards) CHECK(off.store->BytesRead(shard) == 0);

  Model bad;
  bad.store->Put("m/model.safetensors.index.json",
                 R"({"weight_map":{"a":"../../etc/x.safetensors"}})");
  bad.ReadIndex();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK(bad.store->stats == 1);  // the index's open; no shard looked up
}
