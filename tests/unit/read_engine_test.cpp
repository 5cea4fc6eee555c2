#include <catch2/catch.hpp>
#include <random>
#include <thread>

#include "core/client_core.hpp"
#include "core/file_factory.hpp"
#include "objectfs/file.hpp"
#include "unit/fake_store.hpp"

using namespace objectfs;
using objectfs::testing::FakeStore;
using objectfs::testing::PatternByte;

namespace {

constexpr uint64_t kMiB = 1ull << 20;

struct Engine {
  std::shared_ptr<internal::ClientCore> core;
  std::shared_ptr<FakeStore> store;
  std::shared_ptr<File> file;

  Engine(uint64_t size, ReadOptions read) {
    ClientOptions options;
    options.read = read;
    core = std::make_shared<internal::ClientCore>(
        options, [](std::string_view) { return std::optional<std::string>(); });
    store = std::make_shared<FakeStore>(size);
    Reopen();
  }
  void Reopen() {
    auto info = store->Stat("obj");
    file = internal::FileFactory::Make(core, store, Uri{"s3", "bucket", "obj"}, *info);
  }
};

ReadOptions SmallParts() {
  ReadOptions read;
  read.part_size = 1 * kMiB;
  read.block_size = 64 << 10;
  read.initial_readahead = 256 << 10;
  read.max_readahead = 8 * kMiB;
  read.memory_limit = 32 * kMiB;
  read.max_parallel_requests = 8;
  return read;
}

bool Matches(const std::vector<std::byte>& buffer, size_t n, uint64_t offset,
             uint64_t version = 1) {
  for (size_t i = 0; i < n; ++i) {
    if (buffer[i] != PatternByte(offset + i, version)) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("sequential reads are byte-identical and use part-sized readahead", "[engine]") {
  Engine e(40 * kMiB + 12345, SmallParts());
  std::vector<std::byte> buffer(128 << 10);
  uint64_t offset = 0;
  while (offset < e.file->Size()) {
    auto n = e.file->PRead(offset, buffer);
    REQUIRE(n.ok());
    REQUIRE(Matches(buffer, *n, offset));
    offset += *n;
  }
  CHECK(offset == e.file->Size());
  CHECK(e.store->bytes_read == e.file->Size());  // nothing fetched twice
  // About one GET per part; the ramp-up adds a few small ones.
  CHECK(e.store->reads <= 41 + 6);
  size_t full_parts = 0;
  for (const auto& r : e.store->Ranges()) full_parts += r.length == kMiB;
  CHECK(full_parts >= 36);
  const auto stats = e.core->stats().Snapshot();
  CHECK(stats.cache_hits > stats.cache_misses * 10);
}

TEST_CASE("random small reads fetch only their own bytes", "[engine]") {
  Engine e(256 * kMiB, SmallParts());
  std::mt19937_64 rng(7);
  std::vector<std::byte> buffer(64 << 10);
  uint64_t bytes_read = 0;
  for (int i = 0; i < 300; ++i) {
    const uint64_t offset = 1 + rng() % (e.file->Size() - buffer.size() - 1);
    auto n = e.file->PRead(offset, buffer);
    REQUIRE(n.ok());
    REQUIRE(Matches(buffer, *n, offset));
    bytes_read += *n;
  }
  // Nothing cached: each read fetches exactly its own bytes (a read that lands
  // next to an earlier one by chance may start a little readahead).
  CHECK(e.store->bytes_read <= bytes_read + bytes_read / 4);
  CHECK(e.store->reads <= 300);
}

TEST_CASE("the memory budget holds under 16 concurrent sequential readers", "[engine]") {
  ReadOptions read = SmallParts();
  read.memory_limit = 8 * kMiB;
  Engine e(64 * kMiB, read);
  e.store->delay = std::chrono::milliseconds(1);
  std::atomic<int> bad{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 16; ++t) {
    readers.emplace_back([&, t] {
      std::vector<std::byte> buffer(128 << 10);
      const uint64_t start = t * 4 * kMiB;
      for (uint64_t off = start; off < start + 4 * kMiB; off += buffer.size()) {
        auto n = e.file->PRead(off, buffer);
        if (!n.ok() || !Matches(buffer, *n, off)) ++bad;
      }
    });
  }
  for (auto& r : readers) r.join();
  CHECK(bad == 0);
  // Demand reads may go past the budget by what the readers ask for at once.
  const uint64_t slack = 16 * (192 << 10);
  CHECK(e.core->cache().peak() <= read.memory_limit + slack);
  CHECK(e.core->cache().used() <= read.memory_limit);
}

TEST_CASE("a changed object gives an error, never mixed bytes", "[engine]") {
  Engine e(8 * kMiB, SmallParts());
  std::vector<std::byte> buffer(128 << 10);
  REQUIRE(e.file->PRead(0, buffer).ok());
  e.core->cache().Clear();  // what is cached was read under the old ETag; force the network
  e.store->version = 2;
  auto n = e.file->PRead(4 * kMiB, buffer);
  REQUIRE_FALSE(n.ok());
  CHECK(n.status().code() == StatusCode::kObjectChanged);
  CHECK_THAT(n.status().message(), Catch::Contains("s3://bucket/obj"));
  // A reopened file pins the new ETag and never sees the old blocks.
  e.Reopen();
  auto fresh = e.file->PRead(0, buffer);
  REQUIRE(fresh.ok());
  CHECK(Matches(buffer, *fresh, 0, 2));
}

TEST_CASE("a part that arrives short is fetched again, never served short", "[engine]") {
  Engine e(4 * kMiB, SmallParts());
  e.store->short_reads_left = 1;
  std::vector<std::byte> buffer(100000);
  auto n = e.file->PRead(5000, buffer);
  REQUIRE(n.ok());
  CHECK(*n == buffer.size());
  CHECK(Matches(buffer, *n, 5000));

  Engine always_short(4 * kMiB, SmallParts());
  always_short.store->short_reads_left = 1000;
  auto failed = always_short.file->PRead(5000, buffer);
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.status().code() == StatusCode::kDataLoss);
}

TEST_CASE("Prefetch warms the cache so later reads send no GET", "[engine]") {
  Engine e(8 * kMiB, SmallParts());
  const ByteRange range{2 * kMiB, 3 * kMiB};
  e.file->Prefetch({&range, 1});
  // Prefetch never blocks; wait until its fetches have landed.
  for (int i = 0; i < 500 && e.store->bytes_read < range.length; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  REQUIRE(e.store->bytes_read == range.length);
  const uint64_t reads = e.store->reads;
  std::vector<std::byte> buffer(256 << 10);
  for (uint64_t off = range.offset + 1000; off + buffer.size() < range.end(); off += 300000) {
    auto n = e.file->PRead(off, buffer);
    REQUIRE(n.ok());
    CHECK(Matches(buffer, *n, off));
  }
  // Readahead may run past the prefetched range, but nothing inside it is fetched again.
  const auto ranges = e.store->Ranges();
  for (size_t i = reads; i < ranges.size(); ++i) CHECK(ranges[i].offset >= range.end());
}

TEST_CASE("large reads go straight to the caller's buffer in parallel parts", "[engine]") {
  Engine e(20 * kMiB + 3, SmallParts());
  std::vector<std::byte> buffer(e.file->Size());
  REQUIRE(e.file->ReadInto(buffer).ok());
  CHECK(Matches(buffer, buffer.size(), 0));
  CHECK(e.store->reads == 21);
  CHECK(e.core->cache().peak() == 0);  // the cache was never involved
}

namespace {

// Concatenates a PinnedBytes and checks it against the object's bytes.
bool PinnedMatches(const PinnedBytes& pinned, uint64_t offset) {
  std::vector<std::byte> joined;
  for (const auto& slice : pinned.slices()) joined.insert(joined.end(), slice.begin(), slice.end());
  return Matches(joined, joined.size(), offset);
}

}  // namespace

TEST_CASE("PReadPinned hands out cached blocks without copying them", "[engine]") {
  Engine e(16 * kMiB + 100, SmallParts());
  // A sequential scan in 1 MiB reads: slices point into the part-sized
  // fetches, one slice per fetch touched.
  for (uint64_t off = 0; off < e.file->Size(); off += kMiB) {
    auto pinned = e.file->PReadPinned(off, kMiB);
    REQUIRE(pinned.ok());
    REQUIRE(pinned->size() == std::min<uint64_t>(kMiB, e.file->Size() - off));
    CHECK(pinned->slices().size() <= 2);
    CHECK(PinnedMatches(*pinned, off));
  }
  CHECK(e.store->bytes_read == e.file->Size());
  // Held slices keep their bytes even after the cache drops them.
  auto held = e.file->PReadPinned(5 * kMiB + 7, 300000);
  REQUIRE(held.ok());
  e.core->cache().Clear();
  CHECK(PinnedMatches(*held, 5 * kMiB + 7));
  // A random read and a read across the end; nothing at or past the end.
  auto random = e.file->PReadPinned(9 * kMiB + 12345, 70000);
  REQUIRE(random.ok());
  CHECK(random->size() == 70000);
  CHECK(PinnedMatches(*random, 9 * kMiB + 12345));
  auto tail = e.file->PReadPinned(e.file->Size() - 50, 4096);
  REQUIRE(tail.ok());
  CHECK(tail->size() == 50);
  CHECK(PinnedMatches(*tail, e.file->Size() - 50));
  auto past = e.file->PReadPinned(e.file->Size(), 4096);
  REQUIRE(past.ok());
  CHECK(past->slices().empty());
}

TEST_CASE("kernel readahead served out of order stays one stream, fetched once", "[engine]") {
  // A FUSE mount gets the kernel's readahead as many 1 MiB reads at once,
  // answered by a thread pool in any order: once readahead runs, each batch
  // of 8 here arrives last first. It is still one sequential stream: every
  // byte is fetched once, in part-sized GETs, and memory stays near the
  // readahead window.
  ReadOptions read = SmallParts();
  read.part_size = 4 * kMiB;
  read.max_readahead = 16 * kMiB;
  read.memory_limit = 64 * kMiB;
  Engine e(65 * kMiB, read);
  std::vector<std::byte> buffer(kMiB);
  auto read_at = [&](uint64_t off) {
    auto n = e.file->PRead(off, buffer);
    REQUIRE(n.ok());
    REQUIRE(Matches(buffer, *n, off));
  };
  // Like the kernel's, the first reads come in order while the windows grow.
  for (uint64_t off = 0; off < 9 * kMiB; off += kMiB) read_at(off);
  for (uint64_t batch = 9; batch < 65; batch += 8) {
    for (uint64_t i = 8; i-- > 0;) read_at((batch + i) * kMiB);
  }
  CHECK(e.store->bytes_read == e.file->Size());
  size_t full_parts = 0;
  for (const auto& r : e.store->Ranges()) full_parts += r.length == read.part_size;
  CHECK(full_parts >= 14);
  CHECK(e.store->reads <= 16 + 8);  // the ramp-up adds a few small GETs
  CHECK(e.core->cache().peak() <= read.max_readahead + 4 * read.part_size);
}
