// WritableMemoryStore: the MemoryStore with the write contract (Put,
// StartUpload, Delete) for the mount's write tests, plus failures to inject:
// every write refused, or parts refused from the Nth on. Thread-safe.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "unit/memory_store.hpp"

namespace objectfs::testing {

class WritableMemoryStore : public MemoryStore {
 public:
  using MemoryStore::Put;

  StoreCapabilities Capabilities() const override {
    StoreCapabilities caps;
    caps.write = true;
    caps.remove = true;
    caps.parallel_parts = true;
    caps.conditional_create = true;  // Store() checks and writes under one lock
    return caps;
  }

  Result<ObjectInfo> Put(std::string_view key, std::span<const std::byte> bytes,
                         const WriteConditions& conditions) override {
    ++puts;
    if (fail_writes) return Unavailable(Describe() + "/" + std::string(key) + ": injected failure");
    return Store(key, bytes, conditions);
  }

  Result<std::unique_ptr<StoreUpload>> StartUpload(std::string_view key,
                                                   const WriteConditions& conditions) override {
    ++uploads;
    if (fail_writes) return Unavailable(Describe() + "/" + std::string(key) + ": injected failure");
    return std::unique_ptr<StoreUpload>(new Upload(*this, std::string(key), conditions));
  }

  Status Delete(std::string_view key) override {
    ++deletes;
    auto info = Stat(key);
    if (!info.ok()) return info.status();
    Remove(std::string(key));
    return Status::Ok();
  }

  std::atomic<bool> fail_writes{false};
  std::atomic<int> fail_parts_from{0};  // > 0: part numbers from this one on fail
  std::atomic<int> puts{0};
  std::atomic<int> uploads{0};
  std::atomic<int> parts{0};
  std::atomic<int> commits{0};
  std::atomic<int> aborts{0};
  std::atomic<int> deletes{0};

 private:
  class Upload : public StoreUpload {
   public:
    Upload(WritableMemoryStore& store, std::string key, WriteConditions conditions)
        : store_(store), key_(std::move(key)), conditions_(std::move(conditions)) {}
    std::string id() const override { return "upload-" + key_; }
    Status UploadPart(int number, uint64_t /*offset*/, std::span<const std::byte> bytes) override {
      const int from = store_.fail_parts_from.load();
      if (from > 0 && number >= from) {
        return Unavailable(store_.Describe() + "/" + key_ + ": part " + std::to_string(number) +
                           ": injected failure");
      }
      std::lock_guard lock(mu_);
      parts_[number].assign(bytes.begin(), bytes.end());
      ++store_.parts;
      return Status::Ok();
    }
    Result<ObjectInfo> Commit(int part_count, uint64_t /*total_size*/) override {
      ++store_.commits;
      std::vector<std::byte> all;
      std::lock_guard lock(mu_);
      for (int i = 1; i <= part_count; ++i) {
        auto it = parts_.find(i);
        if (it == parts_.end()) return InvalidArgument(key_ + ": part " + std::to_string(i));
        all.insert(all.end(), it->second.begin(), it->second.end());
      }
      return store_.Store(key_, all, conditions_);
    }
    Status Abort() override {
      ++store_.aborts;
      return Status::Ok();
    }

   private:
    WritableMemoryStore& store_;
    const std::string key_;
    const WriteConditions conditions_;
    std::mutex mu_;
    std::map<int, std::vector<std::byte>> parts_;
  };

  Result<ObjectInfo> Store(std::string_view key, std::span<const std::byte> bytes,
                           const WriteConditions& conditions) {
    std::lock_guard lock(write_mu_);  // the check and the write, together
    if (conditions.if_none_match && Stat(key).ok()) {
      return AlreadyExists(Describe() + "/" + std::string(key) + " exists");
    }
    MemoryStore::Put(std::string(key),
                     std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
    return Stat(key);
  }

  std::mutex write_mu_;
};

}  // namespace objectfs::testing
