// RecordingStore: an in-memory store with the whole write contract, behaving
// like S3 (parts tile the object, limits checked at Commit), that records what
// it was asked (puts, uploads, parts, commits, aborts) and lets a test slow or
// fail parts (on_part): what the Writer unit tests observe.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "objectfs/store.hpp"

namespace objectfs::testing {

class RecordingUpload;

class RecordingStore : public ObjectStore {
 public:
  explicit RecordingStore(std::string name = "mem://bucket") : name_(std::move(name)) {}

  // What Capabilities() answers: writes with parts in any order, of at least
  // 64 KiB. Tests change it before the store is used.
  StoreCapabilities capabilities = [] {
    StoreCapabilities caps;
    caps.write = caps.remove = caps.conditional_create = caps.server_side_copy = true;
    caps.parallel_parts = caps.list_uploads = true;
    caps.min_part_size = 64 << 10;
    return caps;
  }();
  StoreCapabilities Capabilities() const override { return capabilities; }

  // Called first in every UploadPart, on the caller's thread: a test sleeps,
  // counts or fails parts here (a failure fails the part).
  std::function<Status(int number, uint64_t offset, size_t size)> on_part;

  // Creates or replaces `key` (a new ETag each time).
  void Put(const std::string& key, std::string_view bytes,
           std::chrono::system_clock::time_point mtime = {}) {
    std::lock_guard lock(mu_);
    Object& object = objects_[key];
    object.bytes.assign(reinterpret_cast<const std::byte*>(bytes.data()),
                        reinterpret_cast<const std::byte*>(bytes.data()) + bytes.size());
    object.etag = "\"e" + std::to_string(++next_etag_) + "\"";
    object.mtime = mtime;
  }
  void Remove(const std::string& key) {
    std::lock_guard lock(mu_);
    objects_.erase(key);
  }
  std::string ETagOf(const std::string& key) {
    std::lock_guard lock(mu_);
    return objects_.at(key).etag;
  }
  // The bytes under `key`, if there is an object.
  std::optional<std::string> Get(const std::string& key) {
    std::lock_guard lock(mu_);
    auto it = objects_.find(key);
    if (it == objects_.end()) return std::nullopt;
    return std::string(reinterpret_cast<const char*>(it->second.bytes.data()),
                       it->second.bytes.size());
  }
  // Uploads started and neither committed nor aborted.
  size_t PendingCount() {
    std::lock_guard lock(mu_);
    return pending_.size();
  }
  // The part sizes of the last upload committed, in part order.
  std::vector<uint64_t> LastPartSizes() {
    std::lock_guard lock(mu_);
    return last_part_sizes_;
  }

  std::string Describe() const override { return name_; }

  Result<ObjectInfo> Stat(std::string_view key) override {
    ++stats;
    std::lock_guard lock(mu_);
    auto it = objects_.find(std::string(key));
    if (it == objects_.end()) return NotFound(name_ + "/" + std::string(key));
    return Info(it->first, it->second);
  }

  Result<size_t> Read(std::string_view key, ByteRange range, std::span<std::byte> out,
                      const ReadConditions& conditions) override {
    ++reads;
    if (read_delay.count() > 0) std::this_thread::sleep_for(read_delay);
    std::lock_guard lock(mu_);
    auto it = objects_.find(std::string(key));
    if (it == objects_.end()) return NotFound(name_ + "/" + std::string(key));
    const Object& object = it->second;
    if (!conditions.if_match.empty() && conditions.if_match != object.etag) {
      return ObjectChanged(std::string(key) + ": ETag is now " + object.etag);
    }
    if (range.offset > object.bytes.size()) return OutOfRange(std::string(key) + ": past the end");
    const size_t n =
        static_cast<size_t>(std::min<uint64_t>(range.length, object.bytes.size() - range.offset));
    if (n > 0) std::memcpy(out.data(), object.bytes.data() + range.offset, n);  // empty: no data()
    return n;
  }

  // Entries are keys and common prefixes in key order; a page token is the
  // last entry of the previous page.
  Result<ListPage> List(const ListRequest& request) override {
    ++lists;
    std::lock_guard lock(mu_);
    ListPage page;
    std::string last;  // the last entry on this page
    int count = 0;
    for (auto it = objects_.lower_bound(request.prefix); it != objects_.end(); ++it) {
      const std::string& key = it->first;
      if (key.compare(0, request.prefix.size(), request.prefix) != 0) break;
      std::string entry = key;
      bool is_prefix = false;
      if (!request.delimiter.empty()) {
        const size_t cut = key.find(request.delimiter, request.prefix.size());
        if (cut != std::string::npos) {
          entry = key.substr(0, cut + request.delimiter.size());
          is_prefix = true;
        }
      }
      if (!request.page_token.empty() && entry <= request.page_token) continue;
      if (is_prefix && !page.common_prefixes.empty() && page.common_prefixes.back() == entry) {
        continue;
      }
      if (count == request.max_keys) {
        page.next_page_token = last;
        break;
      }
      if (is_prefix) {
        page.common_prefixes.push_back(entry);
      } else {
        page.objects.push_back(Info(key, it->second));
      }
      last = entry;
      ++count;
    }
    return page;
  }

  Result<ObjectInfo> Put(std::string_view key, std::span<const std::byte> bytes,
                         const WriteConditions& conditions) override {
    ++puts;
    return Store(std::string(key), {bytes.begin(), bytes.end()}, conditions.if_none_match);
  }

  Result<std::unique_ptr<StoreUpload>> StartUpload(std::string_view key,
                                                   const WriteConditions& conditions) override;

  Status Delete(std::string_view key) override {
    ++deletes;
    std::lock_guard lock(mu_);
    if (objects_.erase(std::string(key)) == 0) return NotFound(name_ + "/" + std::string(key));
    return Status::Ok();
  }

  Result<ObjectInfo> Copy(std::string_view source, const ReadConditions& pin,
                          std::string_view destination,
                          const WriteConditions& conditions) override {
    std::vector<std::byte> bytes;
    {
      std::lock_guard lock(mu_);
      auto it = objects_.find(std::string(source));
      if (it == objects_.end()) return NotFound(name_ + "/" + std::string(source));
      if (!pin.if_match.empty() && pin.if_match != it->second.etag) {
        return ObjectChanged(std::string(source) + ": ETag is now " + it->second.etag);
      }
      bytes = it->second.bytes;
    }
    return Store(std::string(destination), std::move(bytes), conditions.if_none_match);
  }

  Result<std::vector<PendingUpload>> ListUploads(std::string_view prefix) override {
    std::lock_guard lock(mu_);
    std::vector<PendingUpload> out;
    for (const auto& [id, upload] : pending_) {
      if (upload.key.starts_with(prefix)) out.push_back(upload);
    }
    return out;
  }

  Status AbortUpload(std::string_view key, std::string_view upload_id) override {
    ++aborts;
    std::lock_guard lock(mu_);
    auto it = pending_.find(std::string(upload_id));
    if (it == pending_.end() || it->second.key != key) {
      return NotFound(name_ + "/" + std::string(key) + ": no upload " + std::string(upload_id));
    }
    pending_.erase(it);
    return Status::Ok();
  }

  // Makes `bytes` the object under `key`, unless `if_none_match` and there is one.
  Result<ObjectInfo> Store(const std::string& key, std::vector<std::byte> bytes,
                           bool if_none_match) {
    std::lock_guard lock(mu_);
    if (if_none_match && objects_.contains(key)) return AlreadyExists(name_ + "/" + key);
    Object& object = objects_[key];
    object.bytes = std::move(bytes);
    object.etag = "\"e" + std::to_string(++next_etag_) + "\"";
    object.mtime = std::chrono::system_clock::now();
    return Info(key, object);
  }

  std::atomic<int> lists{0};
  std::atomic<int> stats{0};
  std::atomic<int> reads{0};
  std::atomic<int> puts{0};     // Put
  std::atomic<int> uploads{0};  // StartUpload
  std::atomic<int> parts{0};    // UploadPart, also failed ones
  std::atomic<int> commits{0};  // Commit that succeeded
  std::atomic<int> aborts{0};   // StoreUpload::Abort and AbortUpload
  std::atomic<int> deletes{0};
  std::chrono::milliseconds read_delay{0};

 private:
  friend class RecordingUpload;

  struct Object {
    std::vector<std::byte> bytes;
    std::string etag;
    std::chrono::system_clock::time_point mtime;
  };
  static ObjectInfo Info(const std::string& key, const Object& object) {
    return ObjectInfo{key, object.bytes.size(), object.etag, object.mtime};
  }

  const std::string name_;
  std::mutex mu_;
  std::map<std::string, Object> objects_;
  uint64_t next_etag_ = 0;
  std::map<std::string, PendingUpload> pending_;  // by upload id
  uint64_t next_upload_ = 0;
  std::vector<uint64_t> last_part_sizes_;
};

// Parts kept by number until Commit joins 1..part_count, checking the store's
// part limits and that they tile the object.
class RecordingUpload : public StoreUpload {
 public:
  RecordingUpload(RecordingStore& store, std::string key, std::string id, bool if_none_match)
      : store_(store), key_(std::move(key)), id_(std::move(id)), if_none_match_(if_none_match) {}

  std::string id() const override { return id_; }

  Status UploadPart(int number, uint64_t offset, std::span<const std::byte> bytes) override {
    ++store_.parts;
    if (store_.on_part) OBJECTFS_RETURN_IF_ERROR(store_.on_part(number, offset, bytes.size()));
    if (!Pending()) return NotFound(key_ + ": upload " + id_ + " was aborted or committed");
    std::lock_guard lock(mu_);
    parts_[number] = {offset, std::vector<std::byte>(bytes.begin(), bytes.end())};
    return Status::Ok();
  }

  Result<ObjectInfo> Commit(int part_count, uint64_t total_size) override {
    if (!Pending()) return NotFound(key_ + ": upload " + id_ + " was aborted or committed");
    const StoreCapabilities caps = store_.Capabilities();
    if (caps.max_parts > 0 && part_count > caps.max_parts) {
      return InvalidArgument(key_ + ": " + std::to_string(part_count) + " parts, at most " +
                             std::to_string(caps.max_parts));
    }
    std::vector<std::byte> bytes;
    std::vector<uint64_t> sizes;
    {
      std::lock_guard lock(mu_);
      for (int n = 1; n <= part_count; ++n) {
        auto it = parts_.find(n);
        if (it == parts_.end()) return InvalidArgument(key_ + ": no part " + std::to_string(n));
        const auto& [offset, part] = it->second;
        if (offset != bytes.size()) return InvalidArgument(key_ + ": part offsets do not tile");
        if (n < part_count && part.size() < caps.min_part_size) {
          return InvalidArgument(key_ + ": part " + std::to_string(n) + " is too small");
        }
        bytes.insert(bytes.end(), part.begin(), part.end());
        sizes.push_back(part.size());
      }
    }
    if (bytes.size() != total_size) return InvalidArgument(key_ + ": parts and size disagree");
    auto info = store_.Store(key_, std::move(bytes), if_none_match_);
    if (!info.ok()) return info;
    std::lock_guard lock(store_.mu_);
    store_.pending_.erase(id_);
    store_.last_part_sizes_ = std::move(sizes);
    ++store_.commits;
    return info;
  }

  Status Abort() override {
    ++store_.aborts;
    std::lock_guard lock(store_.mu_);
    store_.pending_.erase(id_);
    return Status::Ok();
  }

 private:
  bool Pending() {
    std::lock_guard lock(store_.mu_);
    return store_.pending_.contains(id_);
  }

  RecordingStore& store_;
  const std::string key_;
  const std::string id_;
  const bool if_none_match_;
  std::mutex mu_;
  std::map<int, std::pair<uint64_t, std::vector<std::byte>>> parts_;
};

inline Result<std::unique_ptr<StoreUpload>> RecordingStore::StartUpload(
    std::string_view key, const WriteConditions& conditions) {
  ++uploads;
  std::lock_guard lock(mu_);
  const std::string id = "upload-" + std::to_string(++next_upload_);
  pending_[id] = PendingUpload{std::string(key), id, std::chrono::system_clock::now()};
  return std::unique_ptr<StoreUpload>(
      std::make_unique<RecordingUpload>(*this, std::string(key), id, conditions.if_none_match));
}

}  // namespace objectfs::testing
