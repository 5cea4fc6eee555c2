// Micro benchmarks of the read engine without a network: the block cache and
// the read planner over an in-memory store (tests/unit/fake_store.hpp).
#include <benchmark/benchmark.h>

#include <random>

#include "cache/block_cache.hpp"
#include "core/client_core.hpp"
#include "core/file_factory.hpp"
#include "objectfs/file.hpp"
#include "unit/fake_store.hpp"

using namespace objectfs;

namespace {

constexpr uint64_t kMiB = 1ull << 20;

struct Engine {
  std::shared_ptr<internal::ClientCore> core;
  std::shared_ptr<testing::FakeStore> store;
  std::shared_ptr<File> file;
  Engine(uint64_t size, uint64_t memory_limit) {
    ClientOptions options;
    options.read.memory_limit = memory_limit;
    core = std::make_shared<internal::ClientCore>(
        options, [](std::string_view) { return std::optional<std::string>(); });
    store = std::make_shared<testing::FakeStore>(size);
    store->fill_pattern = false;
    file =
        internal::FileFactory::Make(core, store, Uri{"s3", "bucket", "obj"}, *store->Stat("obj"));
  }
};

void BM_BlockCacheLookupHit(benchmark::State& state) {
  internal::BlockCache cache(1ull << 30, 64 << 10);
  const uint64_t id = cache.ObjectId("bench");
  auto fetch = cache.Register(id, 0, 1024, 0, 64 * kMiB, false);
  fetch->Complete(Status::Ok());
  uint64_t block = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(cache.Lookup(id, block, internal::BlockCache::Reuse::kKeep));
    block = (block + 7) % 1024;
  }
}
BENCHMARK(BM_BlockCacheLookupHit);

void BM_BlockCacheRegisterEvict(benchmark::State& state) {
  internal::BlockCache cache(64 * kMiB, 64 << 10);
  const uint64_t id = cache.ObjectId("bench");
  uint64_t block = 0;
  for (auto _ : state) {
    auto fetch = cache.Register(id, block, 128, block * (64 << 10), 8 * kMiB, false);
    fetch->Complete(Status::Ok());
    block += 128;
  }
  state.SetBytesProcessed(state.iterations() * 8 * kMiB);
}
BENCHMARK(BM_BlockCacheRegisterEvict);

// Sequential 1 MiB reads of a 256 MiB in-memory object under a 64 MiB budget:
// planner, readahead, cache and copies, with the "network" as fast as memcpy.
void BM_SequentialRead(benchmark::State& state) {
  const uint64_t size = 256 * kMiB;
  std::vector<std::byte> buffer(kMiB);
  for (auto _ : state) {
    Engine e(size, 64 * kMiB);
    for (uint64_t off = 0; off < size; off += buffer.size()) {
      benchmark::DoNotOptimize(e.file->PRead(off, buffer));
    }
  }
  state.SetBytesProcessed(state.iterations() * size);
}
BENCHMARK(BM_SequentialRead)->Unit(benchmark::kMillisecond);

void BM_RandomRead64K(benchmark::State& state) {
  Engine e(1024 * kMiB, 256 * kMiB);
  std::mt19937_64 rng(1);
  std::vector<std::byte> buffer(64 << 10);
  for (auto _ : state) {
    benchmark::DoNotOptimize(e.file->PRead(rng() % (e.file->Size() - buffer.size()), buffer));
  }
  state.SetBytesProcessed(state.iterations() * buffer.size());
  state.counters["fetched_per_read_byte"] =
      double(e.store->bytes_read) / double(state.iterations() * buffer.size());
}
BENCHMARK(BM_RandomRead64K);

}  // namespace

BENCHMARK_MAIN();
