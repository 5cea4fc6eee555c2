// The upload engine (lib/core/object_writer) through Client::Create, over a
// RecordingStore registered on the Client: exact bytes whatever the sizes, parts
// in parallel under the memory budget, failures and dropped writers leave
// nothing behind, and part sizes grow to fit the store's part limit.
#include "core/object_writer.hpp"

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <mutex>
#include <thread>

#include "objectfs/client.hpp"
#include "unit/recording_store.hpp"
#include "unit/test_support.hpp"

using namespace objectfs;
using objectfs::internal::BasePartSize;
using objectfs::internal::PartSizeFor;
using objectfs::testing::AsBytes;
using objectfs::testing::Pattern;
using objectfs::testing::RecordingStore;

namespace {

constexpr uint64_t kPart = 256 << 10;  // the smallest part the Writer makes

struct Setup {
  std::shared_ptr<RecordingStore> store = std::make_shared<RecordingStore>();
  std::shared_ptr<Client> client;

  explicit Setup(ClientOptions options = {}) {
    auto made = Client::Create(options);
    REQUIRE(made.ok());
    client = *made;
    REQUIRE(
        client
            ->RegisterStore("mem",
                            [store = store](const Uri&) -> Result<std::shared_ptr<ObjectStore>> {
                              return std::shared_ptr<ObjectStore>(store);
                            })
            .ok());
  }
};

// Reads in parts of 64 KiB, so that budgets of a few write parts are valid.
ClientOptions WithRequests(int parallel, uint64_t memory_limit = 0) {
  ClientOptions options;
  options.read.part_size = options.read.block_size = 64 << 10;
  options.read.max_parallel_requests = parallel;
  options.read.memory_limit = memory_limit;
  return options;
}

WriteOptions Parts(uint64_t part_size = kPart) {
  WriteOptions options;
  options.part_size = part_size;
  return options;
}

// Writes `bytes` in chunks of the sizes in `chunks`, in turn.
Status WriteInChunks(Writer& writer, const std::string& bytes, const std::vector<size_t>& chunks) {
  size_t offset = 0;
  for (size_t i = 0; offset < bytes.size(); ++i) {
    const size_t n = std::min(chunks[i % chunks.size()], bytes.size() - offset);
    OBJECTFS_RETURN_IF_ERROR(writer.Write(AsBytes(bytes).subspan(offset, n)));
    offset += n;
  }
  return Status::Ok();
}

Result<ObjectInfo> WriteObject(Setup& s, const std::string& key, const std::string& bytes,
                               WriteOptions options = Parts(),
                               const std::vector<size_t>& chunks = {1, 7, 4093, 65537, 300000}) {
  OBJECTFS_ASSIGN_OR_RETURN(std::unique_ptr<Writer> writer,
                            s.client->Create("mem://bucket/" + key, std::move(options)));
  OBJECTFS_RETURN_IF_ERROR(WriteInChunks(*writer, bytes, chunks));
  return writer->Close();
}

// Counts UploadParts running at once (each sleeps), and the most seen.
struct Concurrency {
  std::atomic<int> now{0};
  std::atomic<int> most{0};
  void Enter() {
    const int n = ++now;
    int seen = most.load();
    while (n > seen && !most.compare_exchange_weak(seen, n)) {
    }
  }
  void Leave() { --now; }
};

}  // namespace

TEST_CASE("a Writer stores exactly the bytes written, whatever the sizes", "[writer]") {
  Setup s;
  for (uint64_t size : {uint64_t{0}, uint64_t{1}, kPart - 1, kPart, kPart + 1, 7 * kPart + 12345}) {
    INFO("size " << size);
    const std::string bytes = Pattern(size, static_cast<uint32_t>(size));
    const std::string key = "exact/" + std::to_string(size);
    const int uploads_before = s.store->uploads;
    auto info = WriteObject(s, key, bytes);
    REQUIRE(info.ok());
    CHECK(info->size == size);
    CHECK(info->key == key);
    CHECK(s.store->Get(key) == bytes);
    // At most one part is one Put; more a multipart upload.
    CHECK(s.store->uploads - uploads_before == (size > kPart ? 1 : 0));
  }
  CHECK(s.store->puts == 4);
  CHECK(s.store->PendingCount() == 0);
  // Every part buffer went back to the budget.
  CHECK(s.client->Stats().memory_used == 0);
  CHECK(s.client->Stats().bytes_uploaded == 10 * kPart + 12346);
}

TEST_CASE("a Writer uploads parts in parallel where the store takes them so", "[writer]") {
  Setup s(WithRequests(4));
  Concurrency running;
  s.store->on_part = [&](int, uint64_t, size_t) {
    running.Enter();
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    running.Leave();
    return Status::Ok();
  };
  const std::string bytes = Pattern(12 * kPart + 5, 1);
  REQUIRE(WriteObject(s, "parallel", bytes).ok());
  CHECK(s.store->Get("parallel") == bytes);
  CHECK(running.most >= 3);
  CHECK(running.most <= 4);  // max_parallel_requests
}

TEST_CASE("a Writer sends parts one at a time, in order, where the store needs that", "[writer]") {
  Setup s(WithRequests(4));
  s.store->capabilities.parallel_parts = false;
  Concurrency running;
  std::mutex mu;
  std::vector<int> order;
  s.store->on_part = [&](int number, uint64_t, size_t) {
    running.Enter();
    {
      std::lock_guard lock(mu);
      order.push_back(number);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    running.Leave();
    return Status::Ok();
  };
  const std::string bytes = Pattern(6 * kPart + 5, 2);
  REQUIRE(WriteObject(s, "in-order", bytes).ok());
  CHECK(s.store->Get("in-order") == bytes);
  CHECK(running.most == 1);
  CHECK(order == std::vector<int>{1, 2, 3, 4, 5, 6, 7});
}

TEST_CASE("the parts a Writer holds stay within the Client's memory budget", "[writer]") {
  Setup s(WithRequests(16, 4 * kPart));
  Concurrency running;
  std::atomic<uint64_t> peak{0};
  Client* client = s.client.get();
  s.store->on_part = [&](int, uint64_t, size_t) {
    running.Enter();
    const uint64_t used = client->Stats().memory_used;
    uint64_t seen = peak.load();
    while (used > seen && !peak.compare_exchange_weak(seen, used)) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    running.Leave();
    return Status::Ok();
  };
  const std::string bytes = Pattern(20 * kPart + 3, 3);
  REQUIRE(WriteObject(s, "budget", bytes).ok());
  CHECK(s.store->Get("budget") == bytes);
  INFO("peak seen by parts " << peak << ", memory_peak " << s.client->Stats().memory_peak);
  CHECK(peak > kPart);  // more than one part was held at once
  // Four parts' budget: parts wait for room (one may always go, and that one
  // only when nothing else is held), so the budget is never exceeded.
  CHECK(s.client->Stats().memory_peak <= 4 * kPart);
  CHECK(running.most >= 2);
  CHECK(s.client->Stats().memory_used == 0);
}

TEST_CASE("a Writer finishes under a budget smaller than one part", "[writer]") {
  Setup s(WithRequests(4, kPart / 2));
  const std::string bytes = Pattern(5 * kPart, 4);
  REQUIRE(WriteObject(s, "tiny-budget", bytes).ok());
  CHECK(s.store->Get("tiny-budget") == bytes);
  CHECK(s.client->Stats().memory_peak <= kPart);  // one part at a time
}

TEST_CASE("a failed part fails Close, naming the URI, and aborts the upload", "[writer]") {
  Setup s(WithRequests(4));
  s.store->on_part = [](int number, uint64_t, size_t) {
    if (number != 3) return Status::Ok();
    // Late, so that every Write has returned before it fails.
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    return Unavailable("injected failure of part 3");
  };
  auto writer = s.client->Create("mem://bucket/failing", Parts());
  REQUIRE(writer.ok());
  REQUIRE(WriteInChunks(**writer, Pattern(5 * kPart + 10, 5), {100000}).ok());
  auto closed = (*writer)->Close();
  REQUIRE(!closed.ok());
  CHECK(closed.status().code() == StatusCode::kUnavailable);
  CHECK_THAT(closed.status().message(), Catch::Contains("mem://bucket/failing") &&
                                            Catch::Contains("part 3") &&
                                            Catch::Contains("injected failure"));
  CHECK(s.store->aborts == 1);
  CHECK(s.store->commits == 0);
  CHECK(!s.store->Get("failing").has_value());
  CHECK(s.store->PendingCount() == 0);
  // The upload is over: writing on gives an error, not a second upload.
  CHECK(!(*writer)->Write(AsBytes("more")).ok());
  CHECK(s.store->uploads == 1);
}

TEST_CASE("a failed part fails the Writes that follow it", "[writer]") {
  Setup s(WithRequests(2));
  s.store->on_part = [](int number, uint64_t, size_t) {
    return number == 1 ? Unavailable("injected failure of part 1") : Status::Ok();
  };
  auto writer = s.client->Create("mem://bucket/failing-early", Parts());
  REQUIRE(writer.ok());
  Status status = Status::Ok();
  const std::string part = Pattern(kPart, 6);
  for (int i = 0; i < 50 && status.ok(); ++i) status = (*writer)->Write(AsBytes(part));
  REQUIRE(!status.ok());
  CHECK_THAT(status.message(), Catch::Contains("mem://bucket/failing-early") &&
                                   Catch::Contains("injected failure of part 1"));
  CHECK(s.store->aborts == 1);
  CHECK(s.store->PendingCount() == 0);
  CHECK(!(*writer)->Close().ok());
  CHECK(!s.store->Get("failing-early").has_value());
}

TEST_CASE("a Writer dropped without Close leaves nothing", "[writer]") {
  Setup s(WithRequests(4));
  {
    auto writer = s.client->Create("mem://bucket/dropped", Parts());
    REQUIRE(writer.ok());
    REQUIRE(WriteInChunks(**writer, Pattern(2 * kPart + 100, 7), {65536}).ok());
  }
  CHECK(s.store->uploads == 1);
  CHECK(s.store->aborts == 1);
  CHECK(s.store->PendingCount() == 0);
  CHECK(!s.store->Get("dropped").has_value());
  {
    auto writer = s.client->Create("mem://bucket/dropped-small", Parts());
    REQUIRE(writer.ok());
    REQUIRE((*writer)->Write(AsBytes("a few bytes")).ok());
  }
  CHECK(s.store->puts == 0);
  CHECK(!s.store->Get("dropped-small").has_value());
  // Abort, then Close: nothing either.
  auto writer = s.client->Create("mem://bucket/aborted", Parts());
  REQUIRE(writer.ok());
  REQUIRE(WriteInChunks(**writer, Pattern(kPart + 1, 8), {4096}).ok());
  REQUIRE((*writer)->Abort().ok());
  CHECK((*writer)->Abort().ok());
  CHECK(!(*writer)->Close().ok());
  CHECK(!s.store->Get("aborted").has_value());
  CHECK(s.client->Stats().memory_used == 0);
}

TEST_CASE("no_overwrite: Create and Close fail on an existing key, which stays", "[writer]") {
  Setup s;
  s.store->Put("exists", "old bytes");
  WriteOptions once = Parts();
  once.no_overwrite = true;
  auto refused = s.client->Create("mem://bucket/exists", once);
  REQUIRE(!refused.ok());
  CHECK(refused.status().code() == StatusCode::kAlreadyExists);
  CHECK_THAT(refused.status().message(), Catch::Contains("mem://bucket/exists"));
  // Another writer creates the key after Create: Close still refuses, both
  // for one Put and for a multipart upload.
  for (uint64_t size : {uint64_t{100}, 3 * kPart}) {
    INFO("size " << size);
    const std::string key = "race-" + std::to_string(size);
    auto writer = s.client->Create("mem://bucket/" + key, once);
    REQUIRE(writer.ok());
    REQUIRE(WriteInChunks(**writer, Pattern(size, 9), {70000}).ok());
    s.store->Put(key, "theirs");
    auto closed = (*writer)->Close();
    REQUIRE(!closed.ok());
    CHECK(closed.status().code() == StatusCode::kAlreadyExists);
    CHECK_THAT(closed.status().message(), Catch::Contains("mem://bucket/" + key));
    CHECK(s.store->Get(key) == "theirs");
  }
  CHECK(s.store->PendingCount() == 0);
}

TEST_CASE("no_overwrite: a retried Put that meets its own landed object succeeds", "[writer]") {
  // The first try of a conditional Put landed but its answer was lost; the
  // retry is refused with kAlreadyExists. The key holds exactly our bytes: the
  // write succeeded. Other bytes under the key still refuse.
  class LostAnswerStore : public RecordingStore {
   public:
    Result<ObjectInfo> Put(std::string_view key, std::span<const std::byte> bytes,
                           const WriteConditions& conditions) override {
      auto landed = RecordingStore::Put(key, bytes, conditions);
      if (!landed.ok()) return landed;
      if (key == "theirs") RecordingStore::Put(std::string(key), "other bytes, same size!");
      return AlreadyExists(std::string(key) + ": exists (the retry of a landed Put)");
    }
  };
  Setup s;
  auto store = std::make_shared<LostAnswerStore>();
  REQUIRE(s.client
              ->RegisterStore("lost",
                              [store](const Uri&) -> Result<std::shared_ptr<ObjectStore>> {
                                return std::shared_ptr<ObjectStore>(store);
                              })
              .ok());
  WriteOptions once = Parts();
  once.no_overwrite = true;
  const std::string data = "other bytes, not theirs";  // 23 bytes, as theirs
  for (const std::string key : {"ours", "theirs"}) {
    auto writer = s.client->Create("lost://bucket/" + key, once);
    REQUIRE(writer.ok());
    REQUIRE((*writer)->Write(std::as_bytes(std::span(data))).ok());
    auto closed = (*writer)->Close();
    if (key == "ours") {
      REQUIRE(closed.ok());
      CHECK(closed->size == data.size());
      CHECK(store->Get(key) == data);
    } else {
      REQUIRE(!closed.ok());
      CHECK(closed.status().code() == StatusCode::kAlreadyExists);
    }
  }
}

TEST_CASE("Create on a read-only store is unimplemented, naming the store", "[writer]") {
  Setup s;
  s.store->capabilities = StoreCapabilities{};
  auto writer = s.client->Create("mem://bucket/key");
  REQUIRE(!writer.ok());
  CHECK(writer.status().code() == StatusCode::kUnimplemented);
  CHECK_THAT(writer.status().message(),
             Catch::Contains("mem://bucket") && Catch::Contains("read-only"));
  CHECK(s.store->puts == 0);
  CHECK(s.store->uploads == 0);
}

TEST_CASE("part sizes grow so an upload fits the store's part limit", "[writer]") {
  Setup s(WithRequests(4));
  s.store->capabilities.max_parts = 20;  // the store's Commit refuses more
  const std::string bytes = Pattern(100 * kPart + 77, 10);
  auto info = WriteObject(s, "many-parts", bytes, Parts(), {100000});
  REQUIRE(info.ok());
  CHECK(s.store->Get("many-parts") == bytes);
  const std::vector<uint64_t> sizes = s.store->LastPartSizes();
  INFO(sizes.size() << " parts");
  CHECK(sizes.size() <= 20);
  CHECK(sizes.front() == kPart);
  CHECK(std::is_sorted(sizes.begin(), sizes.end() - 1));
  CHECK(sizes[sizes.size() - 2] > kPart);
}

TEST_CASE("PartSizeFor and BasePartSize", "[writer]") {
  CHECK(PartSizeFor(1, kPart, 0) == kPart);
  CHECK(PartSizeFor(5000, kPart, 0) == kPart);
  // max_parts 20: doubled every 2 parts.
  CHECK(PartSizeFor(2, kPart, 20) == kPart);
  CHECK(PartSizeFor(3, kPart, 20) == 2 * kPart);
  CHECK(PartSizeFor(20, kPart, 20) == (kPart << 9));
  // S3: 10000 parts of 8 MiB and more hold its 5 TiB object limit.
  uint64_t total = 0;
  for (int n = 1; n <= 10000; ++n) total += PartSizeFor(n, 8ull << 20, 10000);
  CHECK(total >= (5ull << 40));
  CHECK(BasePartSize(0, 8ull << 20, 5ull << 20) == (8ull << 20));
  CHECK(BasePartSize(1, 8ull << 20, 0) == kPart);
  CHECK(BasePartSize(300 << 10, 8ull << 20, 0) == 2 * kPart);
  CHECK(BasePartSize(1 << 20, 8ull << 20, 5ull << 20) == (5ull << 20));
}
