// Stress (run under ThreadSanitizer in CI): many Writers uploading through
// one Client while readers read and evict, all in one small memory budget
// that part buffers and cached blocks share. Bytes exact and the budget's
// bound held, not just no crash.
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cstring>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "cache/buffer_pool.hpp"
#include "objectfs/client.hpp"
#include "unit/recording_store.hpp"
#include "unit/test_support.hpp"

using namespace objectfs;
using objectfs::internal::BufferPool;
using objectfs::testing::AsBytes;
using objectfs::testing::Failures;
using objectfs::testing::Pattern;
using objectfs::testing::RecordingStore;

namespace {

constexpr uint64_t kKiB = 1ull << 10;
constexpr uint64_t kPart = 256 * kKiB;  // the Writer's parts and the reads' GETs
constexpr uint64_t kBlock = 64 * kKiB;
constexpr uint64_t kBudget = 1ull << 20;  // four parts
constexpr int kWriters = 6;
constexpr int kReaders = 4;

// Objects the writers have closed, for the readers to read back.
struct Written {
  std::mutex mu;
  std::vector<std::pair<std::string, std::string>> objects;  // key, bytes
  void Add(std::string key, std::string bytes) {
    std::lock_guard lock(mu);
    objects.emplace_back(std::move(key), std::move(bytes));
  }
  std::optional<std::pair<std::string, std::string>> Pick(std::mt19937_64& rng) {
    std::lock_guard lock(mu);
    if (objects.empty()) return std::nullopt;
    return objects[rng() % objects.size()];
  }
};

// Sizes around the part: empty, one Put, exactly one part, and multipart.
const std::vector<uint64_t> kSizes = {0,         1,         100 * kKiB,      kPart,
                                      kPart + 1, 3 * kPart, 5 * kPart + 777, 9 * kPart + 12345};

// Writes `bytes` in chunks of varying size, or through WriteFrom's filler.
Status WriteAll(Writer& writer, const std::string& bytes, std::mt19937_64& rng, bool filler) {
  size_t offset = 0;
  if (filler) {
    return writer.WriteFrom([&](std::span<std::byte> space) -> Result<size_t> {
      const size_t n = std::min({space.size(), bytes.size() - offset, size_t(1 + rng() % 90000)});
      std::memcpy(space.data(), bytes.data() + offset, n);
      offset += n;
      return n;
    });
  }
  while (offset < bytes.size()) {
    const size_t n = std::min<size_t>(bytes.size() - offset, 1 + rng() % 150000);
    OBJECTFS_RETURN_IF_ERROR(writer.Write(AsBytes(bytes).subspan(offset, n)));
    offset += n;
  }
  return Status::Ok();
}

void RunWriter(Client& client, int t, Written& written, Failures& failures) {
  std::mt19937_64 rng(100 + t);
  for (int i = 0; i < 10; ++i) {
    const std::string key = "w" + std::to_string(t) + "-" + std::to_string(i);
    const std::string bytes = Pattern(kSizes[(t + i) % kSizes.size()], t * 100 + i);
    auto writer = client.Create("mem://bucket/" + key);
    if (!writer.ok()) return failures.Add(key + ": " + writer.status().ToString());
    if (Status s = WriteAll(**writer, bytes, rng, i % 2 == 1); !s.ok()) {
      return failures.Add(key + ": " + s.ToString());
    }
    if (i == 3) continue;  // dropped without Close: nothing may appear
    if (i == 7) {          // aborted: nothing either, and Close refuses
      if (Status s = (*writer)->Abort(); !s.ok()) failures.Add(key + ": " + s.ToString());
      if ((*writer)->Close().ok()) failures.Add(key + ": Close after Abort succeeded");
      continue;
    }
    auto closed = (*writer)->Close();
    if (!closed.ok()) return failures.Add(key + ": " + closed.status().ToString());
    if (closed->size != bytes.size()) failures.Add(key + ": Close reports the wrong size");
    written.Add(key, bytes);
  }
}

// Reads one object the writers closed, whole, through a fresh File.
void ReadBackOne(Client& client, Written& written, std::mt19937_64& rng, Failures& failures) {
  auto picked = written.Pick(rng);
  if (!picked) return;
  const auto& [key, bytes] = *picked;
  auto file = client.Open("mem://bucket/" + key);
  if (!file.ok()) return failures.Add(key + ": " + file.status().ToString());
  std::string got(bytes.size(), '\0');
  Status s = (*file)->ReadInto(std::as_writable_bytes(std::span(got)));
  if (!s.ok()) return failures.Add(key + ": " + s.ToString());
  if (got != bytes) failures.Add(key + ": read back other bytes than were written");
}

// Random and sequential PReads of one of the objects put before the start,
// now and then a whole object a writer closed.
void RunReader(Client& client, int t, const std::vector<std::string>& sources, Written& written,
               Failures& failures) {
  std::mt19937_64 rng(t);
  const std::string& bytes = sources[t % sources.size()];
  auto file = client.Open("mem://bucket/r" + std::to_string(t % sources.size()));
  if (!file.ok()) return failures.Add(file.status().ToString());
  std::vector<std::byte> buffer(kPart + kPart / 2);  // some reads go direct (>= part_size)
  uint64_t sequential = 0;
  for (int i = 0; i < 60; ++i) {
    if (i % 10 == 9) ReadBackOne(client, written, rng, failures);
    const size_t n = 1 + rng() % buffer.size();
    const uint64_t offset = t % 2 == 0 ? sequential : rng() % bytes.size();
    auto got = (*file)->PRead(offset, std::span(buffer).first(n));
    if (!got.ok()) return failures.Add(got.status().ToString());
    if (*got != std::min<uint64_t>(n, bytes.size() - offset) ||
        std::memcmp(buffer.data(), bytes.data() + offset, *got) != 0) {
      return failures.Add("r" + std::to_string(t) + " at " + std::to_string(offset) +
                          ": wrong bytes");
    }
    sequential = (offset + *got) % bytes.size();
  }
}

}  // namespace

TEST_CASE("stress: 6 writers and 4 readers share one small memory budget",
          "[stress][writer][reliability]") {
  ClientOptions options;
  options.read.part_size = kPart;
  options.read.block_size = kBlock;
  options.read.initial_readahead = 128 * kKiB;
  options.read.max_readahead = 512 * kKiB;
  options.read.memory_limit = kBudget;
  options.read.max_parallel_requests = 8;
  auto made = Client::Create(options);
  REQUIRE(made.ok());
  std::shared_ptr<Client> client = *made;
  auto store = std::make_shared<RecordingStore>();
  REQUIRE(client
              ->RegisterStore("mem",
                              [store](const Uri&) -> Result<std::shared_ptr<ObjectStore>> {
                                return std::shared_ptr<ObjectStore>(store);
                              })
              .ok());
  // 4 objects of about 2 MiB: eight times the budget, read over and over.
  std::vector<std::string> sources;
  for (int i = 0; i < 4; ++i) {
    sources.push_back(Pattern((2ull << 20) + i * 4097, 1000 + i));
    store->Put("r" + std::to_string(i), sources.back());
  }

  Failures failures;
  Written written;
  std::vector<std::thread> threads;
  for (int t = 0; t < kWriters; ++t) {
    threads.emplace_back([&, t] { RunWriter(*client, t, written, failures); });
  }
  for (int t = 0; t < kReaders; ++t) {
    threads.emplace_back([&, t] { RunReader(*client, t, sources, written, failures); });
  }
  for (auto& thread : threads) thread.join();

  INFO(failures.first);
  CHECK(failures.count == 0);
  // Every closed object holds exactly its bytes; dropped ones left nothing.
  CHECK(written.objects.size() == kWriters * 8);
  for (const auto& [key, bytes] : written.objects) {
    INFO(key);
    CHECK(store->Get(key) == bytes);
  }
  for (int t = 0; t < kWriters; ++t) {
    CHECK(!store->Get("w" + std::to_string(t) + "-3"));
    CHECK(!store->Get("w" + std::to_string(t) + "-7"));
  }
  CHECK(store->PendingCount() == 0);
  // The budget: a part buffer or speculative fetch is taken only when it fits
  // (evicting cached blocks first). Past it go only a Writer's part when none
  // of its parts is in flight (two while WriteFrom looks past its first
  // part), and a reader's demand fetches (at most part_size + block_size of
  // blocks per read, each run in a power-of-two buffer: twice that).
  const ClientStats stats = client->Stats();
  const uint64_t bound =
      kBudget + kWriters * 2 * BufferPool::SizeClass(kPart) + kReaders * 2 * (kPart + kBlock);
  INFO("memory_peak " << stats.memory_peak << ", bound " << bound);
  CHECK(stats.memory_peak <= bound);
  CHECK(stats.memory_peak > kBudget / 2);  // the budget was busy
  CHECK(stats.memory_used <= bound);
}
