// Stress (run under ThreadSanitizer in CI): the safetensors prefetch plan of
// one object driven by several Files and threads at once, some reading the
// tensors in name order and some in byte order, in a budget smaller than the
// file. Every byte exact, one plan, the budget's bound held.
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cstring>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/client_core.hpp"
#include "core/file_factory.hpp"
#include "objectfs/file.hpp"
#include "prefetch/tensor_ranges.hpp"
#include "unit/memory_store.hpp"
#include "unit/safetensors_model.hpp"
#include "unit/test_support.hpp"

using namespace objectfs;
using namespace objectfs::internal::prefetch;
using objectfs::testing::Failures;

namespace {

constexpr uint64_t kKiB = 1ull << 10;
constexpr uint64_t kMiB = 1ull << 20;
constexpr uint64_t kPart = 256 * kKiB;
constexpr uint64_t kBlock = 64 * kKiB;
constexpr uint64_t kBudget = 2 * kMiB;

// Reads [offset, offset + length) in pieces of random size (4 KiB .. 200 KiB,
// as a mount's kernel and a loader's copies do) and compares every byte.
void ReadChecked(const File& file, uint64_t offset, uint64_t length, const std::string& expected,
                 std::mt19937_64& rng, Failures& failures) {
  std::vector<std::byte> buffer(200 * kKiB);
  for (uint64_t at = offset; at < offset + length;) {
    const size_t n =
        std::min<uint64_t>(4 * kKiB + rng() % (buffer.size() - 4 * kKiB), offset + length - at);
    auto got = file.PRead(at, std::span(buffer).first(n));
    if (!got.ok()) return failures.Add(got.status().ToString());
    if (*got != n || std::memcmp(buffer.data(), expected.data() + at, n) != 0) {
      return failures.Add("wrong bytes at " + std::to_string(at));
    }
    at += n;
  }
}

// One round: a fresh Client core, 4 Files of one version (as a mount opens
// them; threads share some), 6 threads reading the header and then every
// tensor, even threads in name order and odd ones in byte order.
void Round(const testing::Model& model, uint64_t seed) {
  ClientOptions options;
  options.read.part_size = kPart;
  options.read.block_size = kBlock;
  options.read.initial_readahead = 128 * kKiB;
  options.read.max_readahead = 2 * kMiB;
  options.read.memory_limit = kBudget;
  options.read.max_parallel_requests = 4;
  auto core = std::make_shared<internal::ClientCore>(
      options, [](std::string_view) { return std::optional<std::string>(); });
  auto store = std::make_shared<testing::RangeRecordingStore>();
  const std::string key = "model.safetensors";
  store->Put(key, model.bytes);
  const auto info = store->Stat(key);
  REQUIRE(info.ok());
  std::vector<std::shared_ptr<File>> files;
  for (int i = 0; i < 4; ++i) {
    files.push_back(internal::FileFactory::Make(core, store, Uri{"s3", "bucket", key}, *info));
  }
  const auto by_name = TensorOrder(model.header, Order::kName);
  const auto by_offset = TensorOrder(model.header, Order::kOffset);

  Failures failures;
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(seed * 10 + t);
      const File& file = *files[t % files.size()];
      // Every thread reads the header first: plans start (or are adopted) at once.
      ReadChecked(file, 0, 64 * kKiB, model.bytes, rng, failures);
      const auto& order = t % 2 == 0 ? by_name : by_offset;
      for (size_t i = 0; i < order.size(); ++i) {
        // The caller of File 1 (threads 1 and 5) takes its reads over halfway.
        if (t == 5 && i == order.size() / 2) file.DisableFormatPrefetch();
        const ByteRange r = TensorRange(model.header, order[i]);
        ReadChecked(file, r.offset, r.length, model.bytes, rng, failures);
      }
    });
  }
  for (auto& thread : threads) thread.join();

  INFO(failures.first);
  CHECK(failures.count == 0);
  const auto stats = core->stats().Snapshot();
  CHECK(stats.prefetch_plans == 1);  // one plan for the version, whoever read the header first
  CHECK(stats.prefetch_bytes > 0);
  // Past the budget go only demand fetches: per reading thread at most one
  // read's blocks (under part_size + block_size), each run in a power-of-two
  // buffer. Plan chunks and readahead wait for room.
  const uint64_t bound = kBudget + 6 * 2 * (kPart + kBlock);
  const uint64_t peak = core->cache().peak();
  INFO("memory peak " << peak << ", bound " << bound);
  CHECK(peak <= bound);
  CHECK(peak > kBudget / 2);
  // Every request stayed inside the object.
  for (const ByteRange& r : store->Ranges()) {
    INFO("range " << r.offset << "+" << r.length);
    REQUIRE(r.end() <= model.bytes.size());
    REQUIRE(r.length > 0);
  }
}

}  // namespace

TEST_CASE("stress: 6 threads over 4 Files follow one prefetch plan in name and byte order",
          "[stress][prefetch][reliability]") {
  // 64 tensors of 100 KiB + 13 bytes (6.3 MiB) through a 2 MiB budget, 3 times.
  const testing::Model model = testing::MakeModel(64, 100 * kKiB + 13);
  for (uint64_t round = 0; round < 3; ++round) {
    INFO("round " << round);
    Round(model, round);
  }
}
