// Stress (run under ThreadSanitizer in CI): one disk cache directory shared
// by two Clients in this process, and by two processes, each reading from
// several threads through a cache far smaller than what they read, so that
// blocks are written, evicted and read by one side while the other does the
// same. Bytes exact, no corrupt block, no temp file left, and the cache back
// under its size once one Client writes alone.
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "cache/block_file.hpp"
#include "cache/disk_cache.hpp"
#include "objectfs/client.hpp"
#include "objectfs/disk_cache.hpp"
#include "unit/fake_store.hpp"
#include "unit/temp_dir.hpp"

using namespace objectfs;
using objectfs::testing::FakeStore;
using objectfs::testing::PatternByte;

namespace {

constexpr uint64_t kMiB = 1ull << 20;
constexpr uint64_t kDiskBlock = 8 * kMiB;  // the disk cache's blocks (DiskCacheConfig)
constexpr int kObjects = 4;
// Three block files' worth; the objects hold 12 blocks, read many times over.
constexpr uint64_t kCacheSize = 3 * (kDiskBlock + internal::kBlockHeaderSize);

// Two whole blocks and a short one; versions differ, so do the bytes.
uint64_t ObjectSize(int i) { return 2 * kDiskBlock + 4097 + i * 999; }
uint64_t ObjectVersion(int i) { return i + 2; }
std::string ObjectUri(int i) { return "fake://bucket" + std::to_string(i) + "/obj"; }

// A Client on the cache in `dir` whose fake:// buckets bucket0..bucket3 are FakeStores.
Result<std::shared_ptr<Client>> CachedClient(const std::string& dir) {
  ClientOptions options;
  options.read.part_size = kDiskBlock;
  options.read.memory_limit = 32 * kMiB;
  options.read.max_parallel_requests = 4;
  options.cache_dir = dir;
  options.cache_size = kCacheSize;
  OBJECTFS_ASSIGN_OR_RETURN(std::shared_ptr<Client> client, Client::Create(options));
  OBJECTFS_RETURN_IF_ERROR(
      client->RegisterStore("fake", [](const Uri& uri) -> Result<std::shared_ptr<ObjectStore>> {
        const int i = uri.bucket.back() - '0';
        auto store = std::make_shared<FakeStore>(ObjectSize(i));
        store->version = ObjectVersion(i);
        return std::shared_ptr<ObjectStore>(store);
      }));
  return client;
}

// The first byte of `got` (read at `offset` of object i) that is wrong, or -1.
int64_t FirstWrong(std::span<const std::byte> got, uint64_t offset, int i) {
  for (size_t k = 0; k < got.size(); ++k) {
    if (got[k] != PatternByte(offset + k, ObjectVersion(i))) return int64_t(k);
  }
  return -1;
}

// One read of object i: whole, a sequential scan in 1 MiB pieces, or 1-3 MiB
// at a random offset. An error message, empty when the bytes were exact.
std::string ReadOnce(Client& client, int i, int kind, std::mt19937_64& rng) {
  auto file = client.Open(ObjectUri(i));
  if (!file.ok()) return file.status().ToString();
  const uint64_t size = ObjectSize(i);
  auto check = [&](std::span<std::byte> buffer, uint64_t offset) -> std::string {
    auto n = (*file)->PRead(offset, buffer);
    if (!n.ok()) return n.status().ToString();
    if (*n != buffer.size()) return ObjectUri(i) + ": short read at " + std::to_string(offset);
    const int64_t wrong = FirstWrong(buffer, offset, i);
    if (wrong < 0) return "";
    return ObjectUri(i) + ": wrong byte at " + std::to_string(offset + wrong);
  };
  std::vector<std::byte> buffer;
  if (kind == 0) {
    buffer.resize(size);
    return check(buffer, 0);
  }
  if (kind == 1) {
    buffer.resize(kMiB);
    for (uint64_t at = (rng() % 3) * kDiskBlock; at < size; at += kMiB) {
      const size_t n = std::min<uint64_t>(kMiB, size - at);
      if (auto error = check(std::span(buffer).first(n), at); !error.empty()) return error;
    }
    return "";
  }
  buffer.resize(kMiB + rng() % (2 * kMiB));
  return check(buffer, rng() % (size - buffer.size()));
}

// `threads` threads of `reads` reads each over the objects; the first error.
std::string ReadFromThreads(Client& client, int threads, int reads, uint64_t seed) {
  std::mutex mu;
  std::string first;
  std::vector<std::thread> running;
  for (int t = 0; t < threads; ++t) {
    running.emplace_back([&, t] {
      std::mt19937_64 rng(seed * 100 + t);
      for (int r = 0; r < reads; ++r) {
        std::string error = ReadOnce(client, int(rng() % kObjects), int(rng() % 3), rng);
        std::lock_guard lock(mu);
        if (!error.empty() && first.empty()) first = std::move(error);
      }
    });
  }
  for (auto& thread : running) thread.join();
  return first;
}

// Every block left in `dir` is intact and holds its object's bytes (read with
// the cache's own checks, by block), and no temp file is left behind.
void CheckBlocksOnDisk(const std::string& dir) {
  auto usage = InspectDiskCache(dir);
  REQUIRE(usage.ok());
  CHECK(usage->temp_files == 0);
  CHECK(usage->blocks > 0);
  internal::DiskCacheConfig config;
  config.dir = dir;
  config.min_free_bytes = 0;
  auto cache = internal::DiskCache::Open(config, nullptr);
  REQUIRE(cache.ok());
  REQUIRE((*cache)->block_size() == kDiskBlock);
  uint64_t hits = 0;
  std::vector<std::byte> out(kDiskBlock);
  for (int i = 0; i < kObjects; ++i) {
    // As ObjectReader names an object: store, key, ETag and version, size.
    const std::string identity = internal::DiskCache::Identity(
        "fake://", "obj", "\"v" + std::to_string(ObjectVersion(i)) + "\"\n", ObjectSize(i));
    for (uint64_t b = 0; b * kDiskBlock < ObjectSize(i); ++b) {
      const uint64_t length = std::min(kDiskBlock, ObjectSize(i) - b * kDiskBlock);
      const auto got = (*cache)->Read(identity, b, length, 0, std::span(out).first(length));
      INFO(ObjectUri(i) << " block " << b);
      CHECK(got != internal::DiskCache::ReadResult::kCorrupt);
      if (got != internal::DiskCache::ReadResult::kHit) continue;
      ++hits;
      CHECK(FirstWrong(std::span(out).first(length), b * kDiskBlock, i) == -1);
    }
  }
  CHECK(hits == usage->blocks);  // every block file is one of these
}

// A fresh Client alone reads every object whole: exact bytes, no corrupt
// block, and the cache back under its size (its first store scans the
// directory and evicts what the others left beyond it).
void CheckOneClientAfterwards(const std::string& dir) {
  auto client = CachedClient(dir);
  REQUIRE(client.ok());
  for (int i = 0; i < kObjects; ++i) {
    std::mt19937_64 rng(i);
    INFO(ObjectUri(i));
    CHECK(ReadOnce(**client, i, 0, rng) == "");
  }
  const ClientStats stats = (*client)->Stats();
  CHECK(stats.disk_corrupt_blocks == 0);
  CHECK(stats.disk_bytes_written > 0);
  auto usage = InspectDiskCache(dir);
  REQUIRE(usage.ok());
  CHECK(usage->bytes <= kCacheSize);
  CHECK(usage->temp_files == 0);
}

// Child process: its own Client on `dir`; says it is ready on `ready_fd`,
// reads, and reports by exit status (0: exact bytes, no corrupt block).
[[noreturn]] void ChildReads(const std::string& dir, int ready_fd) {
  int code = 0;
  try {
    auto client = CachedClient(dir);
    if (!client.ok()) {
      std::fprintf(stderr, "child: %s\n", client.status().ToString().c_str());
      ::_exit(4);
    }
    const char ready = 'r';
    if (::write(ready_fd, &ready, 1) != 1) ::_exit(5);
    const std::string error = ReadFromThreads(**client, 3, 5, 2);
    if (!error.empty()) {
      std::fprintf(stderr, "child: %s\n", error.c_str());
      code = 1;
    } else if ((*client)->Stats().disk_corrupt_blocks != 0) {
      std::fprintf(stderr, "child: corrupt blocks counted\n");
      code = 2;
    }
  } catch (...) {
    code = 3;
  }
  ::_exit(code);  // no atexit handlers, no Catch2 output from the child
}

// Waits up to `limit` for `pid`; kills it past that. Its wait status, or -1.
int WaitOrKill(pid_t pid, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) return status;
    if (done < 0) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  return -1;
}

}  // namespace

TEST_CASE("stress: two Clients on one disk cache, 4 threads each, evicting all along",
          "[stress][disk][reliability]") {
  testing::TempDir dir;
  auto a = CachedClient(dir.path.string());
  auto b = CachedClient(dir.path.string());
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  std::string error_a, error_b;
  std::thread side_a([&] { error_a = ReadFromThreads(**a, 4, 4, 0); });
  std::thread side_b([&] { error_b = ReadFromThreads(**b, 4, 4, 1); });
  side_a.join();
  side_b.join();
  CHECK(error_a == "");
  CHECK(error_b == "");
  const ClientStats sa = (*a)->Stats(), sb = (*b)->Stats();
  CHECK(sa.disk_corrupt_blocks + sb.disk_corrupt_blocks == 0);
  // Far more was stored than fits: eviction ran, under both Clients' reads.
  CHECK(sa.disk_bytes_written + sb.disk_bytes_written > 2 * kCacheSize);
  CHECK(sa.disk_hits + sb.disk_hits > 0);
  CheckBlocksOnDisk(dir.path.string());
  CheckOneClientAfterwards(dir.path.string());
}

TEST_CASE("stress: two processes read through one disk cache at once",
          "[stress][disk][reliability]") {
  testing::TempDir dir;
  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  // Fork first, while this process runs no other thread: the child starts its own.
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(ready[0]);
    ChildReads(dir.path.string(), ready[1]);
  }
  ::close(ready[1]);
  pollfd wait_ready{ready[0], POLLIN, 0};
  const bool child_ready = ::poll(&wait_ready, 1, 60'000) == 1;
  ::close(ready[0]);
  std::string error = "the child never became ready";
  if (child_ready) {
    // No REQUIRE before the child is waited for: it must not outlive the test.
    auto client = CachedClient(dir.path.string());
    error = client.ok() ? ReadFromThreads(**client, 3, 5, 3) : client.status().ToString();
    if (client.ok()) CHECK((*client)->Stats().disk_corrupt_blocks == 0);
  }
  const int status = WaitOrKill(child, std::chrono::seconds(120));
  CHECK(error == "");
  INFO("child wait status " << status << " (exit 1: wrong bytes, 2: corrupt blocks)");
  REQUIRE(status != -1);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CheckBlocksOnDisk(dir.path.string());
  CheckOneClientAfterwards(dir.path.string());
}
