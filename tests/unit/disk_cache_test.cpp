#include "cache/disk_cache.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "cache/block_file.hpp"
#include "cache/buffer_pool.hpp"
#include "core/client_core.hpp"
#include "core/file_factory.hpp"
#include "core/stats.hpp"
#include "objectfs/disk_cache.hpp"
#include "objectfs/file.hpp"
#include "unit/fake_store.hpp"
#include "unit/temp_dir.hpp"

using namespace objectfs;
using namespace objectfs::internal;
using objectfs::testing::FakeStore;
using objectfs::testing::PatternByte;
using objectfs::testing::TempDir;
namespace fs = std::filesystem;

namespace {

constexpr uint64_t kMiB = 1ull << 20;

std::vector<std::byte> Pattern(uint64_t offset, uint64_t length, uint64_t version = 1) {
  std::vector<std::byte> data(length);
  for (uint64_t i = 0; i < length; ++i) data[i] = PatternByte(offset + i, version);
  return data;
}

std::vector<fs::path> Files(const fs::path& root, const std::string& suffix_or_prefix,
                            bool prefix) {
  std::vector<fs::path> out;
  for (auto& entry : fs::recursive_directory_iterator(root)) {
    const std::string name = entry.path().filename().string();
    const bool match = prefix ? name.rfind(suffix_or_prefix, 0) == 0
                              : name.size() >= suffix_or_prefix.size() &&
                                    name.compare(name.size() - suffix_or_prefix.size(),
                                                 suffix_or_prefix.size(), suffix_or_prefix) == 0;
    if (entry.is_regular_file() && match) out.push_back(entry.path());
  }
  return out;
}

std::unique_ptr<DiskCache> OpenCache(const fs::path& dir, StatsCounters* stats,
                                     uint64_t capacity = 1ull << 30, uint64_t block = 1 * kMiB) {
  DiskCacheConfig config;
  config.dir = dir.string();
  config.capacity = capacity;
  config.block_size = block;
  config.min_free_bytes = 0;
  auto cache = DiskCache::Open(config, stats);
  REQUIRE(cache.ok());
  return std::move(*cache);
}

// A ClientCore with a disk cache in `dir` reading a FakeStore.
struct CachedEngine {
  std::shared_ptr<ClientCore> core;
  std::shared_ptr<FakeStore> store;
  std::shared_ptr<File> file;
  CachedEngine(const fs::path& dir, uint64_t size, uint64_t cache_size = 0) {
    ClientOptions options;
    options.read.part_size = 8 * kMiB;
    options.read.memory_limit = 64 * kMiB;
    options.read.max_parallel_requests = 8;
    options.cache_dir = dir.string();
    options.cache_size = cache_size;
    core = std::make_shared<ClientCore>(
        options, [](std::string_view) { return std::optional<std::string>(); });
    REQUIRE(core->OpenDiskCache().ok());
    store = std::make_shared<FakeStore>(size);
    Reopen();
  }
  void Reopen() {
    auto info = store->Stat("obj");
    file = internal::FileFactory::Make(core, store, Uri{"s3", "bucket", "obj"}, *info);
  }
};

}  // namespace

TEST_CASE("block header round trip and checksum checks", "[disk]") {
  const auto payload = Pattern(0, 200 * 1024 + 17);
  auto header = EncodeBlockHeader("s3://b\nkey\n\"e\"\n9", 3, kMiB, payload);
  REQUIRE(header.size() == kBlockHeaderSize);
  auto decoded = DecodeBlockHeader(header);
  REQUIRE(decoded);
  CHECK(decoded->identity == "s3://b\nkey\n\"e\"\n9");
  CHECK(decoded->block_index == 3);
  CHECK(decoded->payload_length == payload.size());
  CHECK(VerifyChunks(*decoded, 0, payload));
  auto bad = payload;
  bad[150 * 1024] ^= std::byte{1};
  CHECK_FALSE(VerifyChunks(*decoded, 0, bad));
  CHECK(VerifyChunks(*decoded, 0, std::span(bad).first(128 * 1024)));  // first two chunks intact
  header[100] ^= std::byte{1};
  CHECK_FALSE(DecodeBlockHeader(header));
}

TEST_CASE("disk cache round trip, partial reads and restart", "[disk]") {
  TempDir dir;
  StatsCounters stats;
  const std::string id = DiskCache::Identity("s3://b", "k", "\"e1\"", 3 * kMiB);
  const auto block = Pattern(kMiB, kMiB);
  {
    auto cache = OpenCache(dir.path, &stats);
    std::vector<std::byte> out(kMiB);
    CHECK(cache->Read(id, 1, kMiB, 0, out) == DiskCache::ReadResult::kMiss);
    REQUIRE(cache->Write(id, 1, block).ok());
    CHECK(cache->Contains(id, 1, kMiB));
    CHECK_FALSE(cache->Contains(id, 2, kMiB));
  }
  auto cache = OpenCache(dir.path, &stats);  // a new process, same directory
  std::vector<std::byte> out(kMiB);
  REQUIRE(cache->Read(id, 1, kMiB, 0, out) == DiskCache::ReadResult::kHit);
  CHECK(out == block);
  std::vector<std::byte> part(1000);
  REQUIRE(cache->Read(id, 1, kMiB, 70000, part) == DiskCache::ReadResult::kHit);
  CHECK(std::equal(part.begin(), part.end(), block.begin() + 70000));
  CHECK(stats.disk_hits == 2);
  CHECK(stats.disk_misses == 1);
}

TEST_CASE("blocks from aligned (O_DIRECT) and unaligned buffers read back the same", "[disk]") {
  TempDir dir;
  StatsCounters stats;
  auto cache = OpenCache(dir.path, &stats, 1ull << 30, 2 * kMiB);
  const std::string id = DiskCache::Identity("s3://b", "k", "\"e1\"", 4 * kMiB + 12345);
  // Block 0 from a page-aligned buffer: written around the page cache.
  UniqueBuffer aligned(AllocateBuffer(2 * kMiB));
  CHECK(reinterpret_cast<uintptr_t>(aligned.get()) % (2 * kMiB) == 0);
  const auto block0 = Pattern(0, 2 * kMiB);
  std::memcpy(aligned.get(), block0.data(), block0.size());
  REQUIRE(cache->Write(id, 0, std::span(aligned.get(), 2 * kMiB)).ok());
  // Block 1 from a buffer one byte off a page; block 2, an object's short last block.
  std::vector<std::byte> unaligned(2 * kMiB + 1);
  const auto block1 = Pattern(2 * kMiB, 2 * kMiB);
  std::memcpy(unaligned.data() + 1, block1.data(), block1.size());
  REQUIRE(cache->Write(id, 1, std::span(unaligned.data() + 1, 2 * kMiB)).ok());
  const auto block2 = Pattern(4 * kMiB, 12345);
  REQUIRE(cache->Write(id, 2, block2).ok());

  const std::vector<std::vector<std::byte>> blocks = {block0, block1, block2};
  for (uint64_t b = 0; b < blocks.size(); ++b) {
    std::vector<std::byte> out(blocks[b].size());
    REQUIRE(cache->Read(id, b, out.size(), 0, out) == DiskCache::ReadResult::kHit);
    CHECK(out == blocks[b]);
  }
  auto files = Files(dir.path, ".blk", false);
  REQUIRE(files.size() == 3);
  uint64_t total = 0;
  for (const auto& f : files) total += fs::file_size(f);
  CHECK(total == 3 * kBlockHeaderSize + 4 * kMiB + 12345);

  // Reads into a page-aligned buffer (around the page cache) check the bytes too.
  UniqueBuffer into(AllocateBuffer(2 * kMiB));
  const std::span<std::byte> into_span(into.get(), 2 * kMiB);
  REQUIRE(cache->Read(id, 1, 2 * kMiB, 0, into_span) == DiskCache::ReadResult::kHit);
  CHECK(std::memcmp(into.get(), block1.data(), block1.size()) == 0);
  for (const auto& f : files) {
    if (fs::file_size(f) != kBlockHeaderSize + 2 * kMiB) continue;
    std::fstream file(f, std::ios::in | std::ios::out | std::ios::binary);
    file.seekg(kBlockHeaderSize + kMiB + 4096);
    const char byte = static_cast<char>(file.get());
    file.seekp(kBlockHeaderSize + kMiB + 4096);
    file.put(static_cast<char>(~byte));  // flip every bit of one byte
  }
  CHECK(cache->Read(id, 0, 2 * kMiB, 0, into_span) == DiskCache::ReadResult::kCorrupt);
  CHECK(cache->Read(id, 1, 2 * kMiB, 0, into_span) == DiskCache::ReadResult::kCorrupt);
  CHECK(stats.disk_corrupt_blocks == 2);
}

TEST_CASE("a corrupt block is detected, deleted and counted", "[disk]") {
  TempDir dir;
  StatsCounters stats;
  auto cache = OpenCache(dir.path, &stats);
  const std::string id = DiskCache::Identity("s3://b", "k", "\"e1\"", kMiB);
  REQUIRE(cache->Write(id, 0, Pattern(0, kMiB)).ok());
  auto files = Files(dir.path, ".blk", false);
  REQUIRE(files.size() == 1);
  {
    std::fstream f(files[0], std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(kBlockHeaderSize + 500000);
    f.put('\x5a');
  }
  std::vector<std::byte> out(kMiB);
  CHECK(cache->Read(id, 0, kMiB, 0, out) == DiskCache::ReadResult::kCorrupt);
  CHECK(stats.disk_corrupt_blocks == 1);
  CHECK_FALSE(fs::exists(files[0]));
  // A truncated block is corrupt too.
  REQUIRE(cache->Write(id, 0, Pattern(0, kMiB)).ok());
  fs::resize_file(Files(dir.path, ".blk", false).at(0), kBlockHeaderSize + 1000);
  CHECK(cache->Read(id, 0, kMiB, 0, out) == DiskCache::ReadResult::kCorrupt);
  CHECK(stats.disk_corrupt_blocks == 2);
}

TEST_CASE("a block checked whole is not hashed again until it changes", "[disk]") {
  TempDir dir;
  StatsCounters stats;
  auto cache = OpenCache(dir.path, &stats);
  const std::string id = DiskCache::Identity("s3://b", "k", "\"e1\"", kMiB);
  const auto block = Pattern(0, kMiB);
  REQUIRE(cache->Write(id, 0, block).ok());
  const fs::path file = Files(dir.path, ".blk", false).at(0);
  // Settled: written long enough ago that a later write must move its mtime.
  auto age = [&] {
    const timespec old[2] = {{0, UTIME_OMIT}, {::time(nullptr) - 5, 0}};
    REQUIRE(::utimensat(AT_FDCWD, file.c_str(), old, 0) == 0);
  };
  age();
  // Read into a buffer off a page boundary, through the page cache.
  std::vector<std::byte> storage(kMiB + 1);
  const std::span<std::byte> out(storage.data() + 1, kMiB);
  auto read = [&] { return cache->Read(id, 0, kMiB, 0, out); };
  REQUIRE(read() == DiskCache::ReadResult::kHit);
  CHECK(std::equal(out.begin(), out.end(), block.begin()));
  CHECK(stats.disk_bytes_verified == kMiB);
  std::fill(out.begin(), out.end(), std::byte{0});
  REQUIRE(read() == DiskCache::ReadResult::kHit);  // from the page cache, not hashed
  CHECK(std::equal(out.begin(), out.end(), block.begin()));
  CHECK(stats.disk_bytes_verified == kMiB);
  // A partial read is always checked (the one chunk it touches).
  std::vector<std::byte> part(1000);
  REQUIRE(cache->Read(id, 0, kMiB, 70000, part) == DiskCache::ReadResult::kHit);
  CHECK(stats.disk_bytes_verified == kMiB + kBlockChunkSize);

  // A write to the file is caught, even one that puts the old mtime back.
  auto flip = [&](uint64_t at) {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(kBlockHeaderSize + at);
    const char byte = static_cast<char>(f.get());
    f.seekp(kBlockHeaderSize + at);
    f.put(static_cast<char>(~byte));
  };
  flip(500000);
  age();
  CHECK(read() == DiskCache::ReadResult::kCorrupt);
  CHECK(stats.disk_corrupt_blocks == 1);

  // A new block file in its place is checked again.
  REQUIRE(cache->Write(id, 0, block).ok());
  age();
  const uint64_t verified_before = stats.disk_bytes_verified;
  REQUIRE(read() == DiskCache::ReadResult::kHit);
  CHECK(stats.disk_bytes_verified == verified_before + kMiB);
  flip(12345);  // mtime now: caught
  CHECK(read() == DiskCache::ReadResult::kCorrupt);
  CHECK(stats.disk_corrupt_blocks == 2);
}

TEST_CASE("files are 0600 in 0700 directories", "[disk]") {
  TempDir dir;
  auto cache = OpenCache(dir.path / "cache", nullptr);
  REQUIRE(cache->Write(DiskCache::Identity("s3://b", "k", "e", 10), 0, Pattern(0, 10)).ok());
  for (auto& entry : fs::recursive_directory_iterator(dir.path / "cache")) {
    struct stat st;
    REQUIRE(::stat(entry.path().c_str(), &st) == 0);
    if (entry.path().filename() == "lock" || entry.is_regular_file()) {
      CHECK((st.st_mode & 0777) == 0600);
    } else {
      CHECK((st.st_mode & 0777) == 0700);
    }
  }
}

TEST_CASE("eviction keeps the cache under its size with a 10x working set", "[disk]") {
  TempDir dir;
  StatsCounters stats;
  const uint64_t block = 256 * 1024;
  const uint64_t capacity = 8 * (block + kBlockHeaderSize);
  auto cache = OpenCache(dir.path, &stats, capacity, block);
  const std::string id = DiskCache::Identity("s3://b", "k", "e", 80 * block);
  for (uint64_t b = 0; b < 80; ++b) {
    REQUIRE(cache->Write(id, b, Pattern(b * block, block)).ok());
    uint64_t bytes = 0;
    for (auto& f : Files(dir.path, ".blk", false)) bytes += fs::file_size(f);
    REQUIRE(bytes <= capacity);
  }
  // The most recent blocks survive; the oldest went first.
  std::vector<std::byte> out(block);
  CHECK(cache->Read(id, 79, block, 0, out) == DiskCache::ReadResult::kHit);
  CHECK(cache->Read(id, 0, block, 0, out) == DiskCache::ReadResult::kMiss);
  auto usage = InspectDiskCache(dir.path.string());
  REQUIRE(usage.ok());
  CHECK(usage->bytes <= capacity);
  CHECK(usage->blocks >= 1);
}

TEST_CASE("concurrent writers stay under the size limit too", "[disk]") {
  TempDir dir;
  const uint64_t block = 256 * 1024;
  const uint64_t capacity = 4 * (block + kBlockHeaderSize);
  auto cache = OpenCache(dir.path, nullptr, capacity, block);
  const std::string id = DiskCache::Identity("s3://b", "k", "e", 80 * block);
  const auto data = Pattern(0, block);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (uint64_t b = t; b < 80; b += 8) (void)cache->Write(id, b, data);
    });
  }
  for (auto& t : threads) t.join();
  uint64_t bytes = 0;
  for (auto& f : Files(dir.path, ".blk", false)) bytes += fs::file_size(f);
  CHECK(bytes <= capacity);
  CHECK(bytes > 0);
}

TEST_CASE("the free-space headroom refuses writes that would eat into it", "[disk]") {
  TempDir dir;
  StatsCounters stats;
  DiskCacheConfig config;
  config.dir = dir.path.string();
  config.block_size = kMiB;
  config.min_free_bytes = UINT64_MAX - (1ull << 40);  // more than any disk has free
  auto cache = DiskCache::Open(config, &stats);
  REQUIRE(cache.ok());
  const Status written =
      (*cache)->Write(DiskCache::Identity("s3://b", "k", "e", 10), 0, Pattern(0, 10));
  CHECK(written.code() == StatusCode::kUnavailable);
  CHECK(stats.disk_write_failures == 1);
  CHECK(Files(dir.path, ".blk", false).empty());
}

TEST_CASE("temp files of dead writers are removed, live ones kept", "[disk]") {
  TempDir dir;
  auto cache = OpenCache(dir.path, nullptr);
  const fs::path sub = dir.path / "v1" / "blocks" / "ab";
  fs::create_directories(sub);
  // pid 2^22+1 is above the default pid_max on most systems: no such process.
  std::ofstream(sub / ".tmp-4194305-AAAAAA") << "half a block";
  std::ofstream(sub / (".tmp-" + std::to_string(::getpid()) + "-BBBBBB")) << "being written";
  auto usage = InspectDiskCache(dir.path.string());
  REQUIRE(usage.ok());
  CHECK(usage->temp_files == 1);
  CHECK_FALSE(fs::exists(sub / ".tmp-4194305-AAAAAA"));
  CHECK(fs::exists(sub / (".tmp-" + std::to_string(::getpid()) + "-BBBBBB")));
  auto cleared = ClearDiskCache(dir.path.string());
  REQUIRE(cleared.ok());
  CHECK(Files(dir.path, ".tmp-", true).empty());
}

TEST_CASE("threads filling and reading one cache concurrently", "[disk]") {
  TempDir dir;
  StatsCounters stats;
  auto cache = OpenCache(dir.path, &stats);
  const std::string id = DiskCache::Identity("s3://b", "k", "e", 16 * kMiB);
  std::atomic<int> bad{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      std::vector<std::byte> out(kMiB);
      for (int round = 0; round < 20; ++round) {
        const uint64_t b = (t + round) % 16;
        if (cache->Read(id, b, kMiB, 0, out) == DiskCache::ReadResult::kHit) {
          if (out != Pattern(b * kMiB, kMiB)) ++bad;
        } else if (!cache->Write(id, b, Pattern(b * kMiB, kMiB)).ok()) {
          ++bad;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(bad == 0);
  CHECK(stats.disk_corrupt_blocks == 0);
  CHECK(Files(dir.path, ".tmp-", true).empty());
}

TEST_CASE("reads fill the disk cache; a warm read sends no GET", "[disk]") {
  TempDir dir;
  const uint64_t size = 20 * kMiB + 4321;
  {
    CachedEngine e(dir.path, size);
    std::vector<std::byte> all(size);
    REQUIRE(e.file->ReadInto(all).ok());
    CHECK(all == Pattern(0, size));
    CHECK(e.core->stats().disk_bytes_written == size);
  }
  CachedEngine e(dir.path, size);  // a later process
  std::vector<std::byte> all(size);
  REQUIRE(e.file->ReadInto(all).ok());
  CHECK(all == Pattern(0, size));
  CHECK(e.store->reads == 0);
  CHECK(e.core->stats().disk_bytes_read == size);
  // Small reads through the memory cache are served from disk too.
  std::vector<std::byte> small(100000);
  REQUIRE(e.file->PRead(9 * kMiB + 77, small).ok());
  CHECK(small == Pattern(9 * kMiB + 77, small.size()));
  CHECK(e.store->reads == 0);
}

TEST_CASE("a sequential reader stores every block; a small random miss stores none", "[disk]") {
  TempDir dir;
  const uint64_t size = 20 * kMiB + 999;
  {
    CachedEngine e(dir.path, size);
    std::vector<std::byte> small(64 << 10);
    REQUIRE(e.file->PRead(13 * kMiB + 5, small).ok());
    CHECK(small == Pattern(13 * kMiB + 5, small.size()));
    CHECK(e.core->stats().disk_bytes_written == 0);
    CHECK(e.store->bytes_read == small.size());  // exactly its bytes
  }
  CachedEngine e(dir.path, size);
  std::vector<std::byte> chunk(128 << 10);  // a FUSE-sized sequential scan
  for (uint64_t offset = 0; offset < size; offset += chunk.size()) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(chunk.size(), size - offset));
    auto n = e.file->PRead(offset, std::span(chunk).first(want));
    REQUIRE(n.ok());
    REQUIRE(std::equal(chunk.begin(), chunk.begin() + want, Pattern(offset, want).begin()));
  }
  CHECK(e.core->stats().disk_bytes_written == size);
  CachedEngine again(dir.path, size);
  std::vector<std::byte> all(size);
  REQUIRE(again.file->ReadInto(all).ok());
  CHECK(again.store->reads == 0);
}

TEST_CASE("a new ETag never serves old bytes", "[disk]") {
  TempDir dir;
  const uint64_t size = 10 * kMiB;
  CachedEngine e(dir.path, size);
  std::vector<std::byte> all(size);
  REQUIRE(e.file->ReadInto(all).ok());
  e.store->version = 2;
  e.Reopen();
  const uint64_t reads_before = e.store->reads;
  REQUIRE(e.file->ReadInto(all).ok());
  CHECK(all == Pattern(0, size, 2));
  CHECK(e.store->reads > reads_before);
}

TEST_CASE("a corrupt block is refetched with the right bytes", "[disk]") {
  TempDir dir;
  const uint64_t size = 8 * kMiB;
  CachedEngine e(dir.path, size);
  std::vector<std::byte> all(size);
  REQUIRE(e.file->ReadInto(all).ok());
  auto files = Files(dir.path, ".blk", false);
  REQUIRE(files.size() == 1);
  {
    std::fstream f(files[0], std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(kBlockHeaderSize + 3 * kMiB);
    f.put('\x01');
    f.put('\x02');
  }
  std::fill(all.begin(), all.end(), std::byte{0});
  REQUIRE(e.file->ReadInto(all).ok());
  CHECK(all == Pattern(0, size));
  CHECK(e.core->stats().disk_corrupt_blocks == 1);
  // Refetched and stored again: the next read is a clean hit.
  const uint64_t reads = e.store->reads;
  REQUIRE(e.file->ReadInto(all).ok());
  CHECK(e.store->reads == reads);
}

TEST_CASE("warming skips cached blocks and resumes", "[disk]") {
  TempDir dir;
  const uint64_t size = 5 * 8 * kMiB + 100;
  CachedEngine e(dir.path, size);
  auto first = e.file->WarmDiskCache({0, 16 * kMiB});
  REQUIRE(first.ok());
  CHECK(first->bytes_fetched == 16 * kMiB);
  auto rest = e.file->WarmDiskCache({0, size});
  REQUIRE(rest.ok());
  CHECK(rest->bytes_already_cached == 16 * kMiB);
  CHECK(rest->bytes_fetched == size - 16 * kMiB);
  const uint64_t reads = e.store->reads;
  std::vector<std::byte> all(size);
  REQUIRE(e.file->ReadInto(all).ok());
  CHECK(all == Pattern(0, size));
  CHECK(e.store->reads == reads);
}

TEST_CASE("the log sink hears of blocks the disk cache could not store", "[disk]") {
  TempDir temp;
  const std::filesystem::path& dir = temp.path;
  std::mutex mu;
  std::vector<std::string> heard;
  objectfs::ClientOptions options;
  options.cache_dir = dir.string();
  options.log = [&](const objectfs::LogRecord& record) {
    std::lock_guard lock(mu);
    if (record.level == objectfs::LogLevel::kWarning) heard.emplace_back(record.message);
  };
  auto core = std::make_shared<objectfs::internal::ClientCore>(
      options, [](std::string_view) { return std::optional<std::string>(); });
  REQUIRE(core->OpenDiskCache().ok());
  // Even root cannot create block files under a path that is a regular file.
  std::filesystem::remove_all(dir / "v1" / "blocks");
  std::ofstream(dir / "v1" / "blocks") << "not a directory";
  auto store = std::make_shared<objectfs::testing::FakeStore>(9ull << 20);
  auto info = store->Stat("obj");
  auto file = objectfs::internal::FileFactory::Make(core, store,
                                                    objectfs::Uri{"s3", "bucket", "obj"}, *info);
  std::vector<std::byte> out(info->size);
  REQUIRE(file->ReadInto(out).ok());  // the read itself succeeds from the store
  CHECK(core->stats().disk_write_failures.load() >= 1);
  std::lock_guard lock(mu);
  REQUIRE(!heard.empty());
  CHECK(heard.front().find("not stored") != std::string::npos);
  CHECK(heard.front().find(dir.string()) != std::string::npos);
}
