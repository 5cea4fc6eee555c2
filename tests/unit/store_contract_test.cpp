// The store contract over fakes: it holds for the in-memory store and local
// files, and it catches a store that breaks it.
#include "contract/store_contract.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "stores/file/file_store.hpp"
#include "unit/memory_store.hpp"
#include "unit/temp_dir.hpp"
#include "unit/writable_memory_store.hpp"

using namespace objectfs;
using objectfs::contract::Dataset;
using objectfs::contract::RunStoreContract;
using objectfs::testing::MemoryStore;
using objectfs::testing::TempDir;
using objectfs::testing::WritableMemoryStore;

namespace {

Dataset ContractData(std::string prefix) {
  std::string big(3 * (1 << 20) + 17, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 131 + i / 7);
  return {std::move(prefix),
          {{"hello.txt", "hello objectfs\n"},
           {"empty", ""},
           {"dir/a.bin", big.substr(0, 256 * 1024 + 3)},
           {"dir/c.txt", "c in dir\n"},
           {"dir/sub/b.bin", big}}};
}

std::string Joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += line + "\n";
  return out;
}

// A store that answers whatever it is pinned to, as a server ignoring If-Match.
class IgnoresPin : public MemoryStore {
 public:
  Result<size_t> Read(std::string_view key, ByteRange range, std::span<std::byte> out,
                      const ReadConditions&) override {
    return MemoryStore::Read(key, range, out, {});
  }
};

// A store whose listing pages repeat their last key.
class RepeatsPages : public MemoryStore {
 public:
  Result<ListPage> List(const ListRequest& request) override {
    auto page = MemoryStore::List(request);
    if (page.ok() && !page->next_page_token.empty() && !page->objects.empty()) {
      page->next_page_token = page->objects.front().key;
    }
    return page;
  }
};

// A store that claims its listing pins but lists ETags without their quotes.
class ListsOtherETags : public MemoryStore {
 public:
  StoreCapabilities Capabilities() const override {
    StoreCapabilities caps;
    caps.listing_pins = true;
    return caps;
  }
  Result<ListPage> List(const ListRequest& request) override {
    auto page = MemoryStore::List(request);
    if (page.ok()) {
      for (auto& object : page->objects)
        object.etag = object.etag.substr(1, object.etag.size() - 2);
    }
    return page;
  }
};

// The same store telling the truth: its listing pins.
class ListingPins : public MemoryStore {
 public:
  StoreCapabilities Capabilities() const override {
    StoreCapabilities caps;
    caps.listing_pins = true;
    return caps;
  }
};

template <typename Store>
std::vector<std::string> RunOn(const Dataset& data) {
  Store store;
  for (const auto& [key, bytes] : data.objects) store.Put(data.prefix + key, bytes);
  return RunStoreContract(store, data);
}

}  // namespace

TEST_CASE("the in-memory store keeps the store contract", "[contract]") {
  auto failures = RunOn<MemoryStore>(ContractData("root/"));
  INFO(Joined(failures));
  CHECK(failures.empty());
}

TEST_CASE("a store whose listing pins keeps the store contract", "[contract]") {
  auto failures = RunOn<ListingPins>(ContractData("root/"));
  INFO(Joined(failures));
  CHECK(failures.empty());
}

TEST_CASE("local files keep the store contract", "[contract]") {
  TempDir temp;
  const std::filesystem::path& dir = temp.path;
  const Dataset data = ContractData(dir.string() + "/");
  for (const auto& [key, bytes] : data.objects) {
    std::filesystem::create_directories((dir / key).parent_path());
    std::ofstream(dir / key, std::ios::binary) << bytes;
  }
  internal::FileStore store;
  auto failures = RunStoreContract(store, data);
  INFO(Joined(failures));
  CHECK(failures.empty());
}

TEST_CASE("the store contract catches broken stores", "[contract]") {
  auto pin = RunOn<IgnoresPin>(ContractData(""));
  CHECK(Joined(pin).find("a read pinned to another version") != std::string::npos);
  auto pages = RunOn<RepeatsPages>(ContractData(""));
  CHECK(Joined(pages).find("a key listed twice") != std::string::npos);
  auto etags = RunOn<ListsOtherETags>(ContractData(""));
  CHECK(Joined(etags).find("listing_pins: the listing's entry of dir/a.bin") != std::string::npos);
  Dataset incomplete = ContractData("");
  incomplete.objects.erase("empty");
  MemoryStore store;
  CHECK(Joined(RunStoreContract(store, incomplete)).find("the dataset lacks empty") !=
        std::string::npos);
}

namespace {

// An upload whose parts are visible as soon as they arrive.
class VisibleBeforeCommit : public WritableMemoryStore {
 public:
  Result<std::unique_ptr<StoreUpload>> StartUpload(std::string_view key,
                                                   const WriteConditions& conditions) override {
    auto upload = WritableMemoryStore::StartUpload(key, conditions);
    if (upload.ok()) MemoryStore::Put(std::string(key), "partial");
    return upload;
  }
};

// A store that replaces objects even when asked not to.
class IgnoresIfNoneMatch : public WritableMemoryStore {
 public:
  using MemoryStore::Put;
  Result<ObjectInfo> Put(std::string_view key, std::span<const std::byte> bytes,
                         const WriteConditions&) override {
    return WritableMemoryStore::Put(key, bytes, {});
  }
};

bool Mentions(const std::vector<std::string>& failures, std::string_view text) {
  for (const auto& failure : failures) {
    if (failure.find(text) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("a writable in-memory store keeps the write contract", "[contract][writes]") {
  auto failures = RunOn<WritableMemoryStore>(ContractData("root/"));
  INFO(Joined(failures));
  CHECK(failures.empty());
}

TEST_CASE("the write contract catches an upload visible before Commit", "[contract][writes]") {
  auto failures = RunOn<VisibleBeforeCommit>(ContractData("root/"));
  INFO(Joined(failures));
  CHECK(Mentions(failures, "not visible before Commit"));
}

TEST_CASE("the write contract catches a store that overwrites under if_none_match",
          "[contract][writes]") {
  auto failures = RunOn<IgnoresIfNoneMatch>(ContractData("root/"));
  INFO(Joined(failures));
  CHECK(Mentions(failures, "if_none_match over an existing key"));
  CHECK(Mentions(failures, "leaves the old bytes"));
}
