// MemoryStore: an in-memory ObjectStore for unit tests. Keys -> bytes, each
// with an ETag that changes when the object is replaced; Read honours
// If-Match; List follows ListObjectsV2 (prefix, delimiter, max_keys, page
// tokens). Counts requests by kind. Thread-safe.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "objectfs/store.hpp"

namespace objectfs::testing {

class MemoryStore : public ObjectStore {
 public:
  explicit MemoryStore(std::string name = "mem://bucket") : name_(std::move(name)) {}

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

  std::atomic<int> lists{0};
  std::atomic<int> stats{0};
  std::atomic<int> reads{0};
  std::chrono::milliseconds read_delay{0};

 private:
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
};

// A MemoryStore that keeps the range of every Read, in order, to check them
// afterwards (prefetch plans, stress cases). Thread-safe.
class RangeRecordingStore : public MemoryStore {
 public:
  Result<size_t> Read(std::string_view key, ByteRange range, std::span<std::byte> out,
                      const ReadConditions& conditions) override {
    {
      std::lock_guard lock(ranges_mu_);
      ranges_.push_back(range);
    }
    return MemoryStore::Read(key, range, out, conditions);
  }
  std::vector<ByteRange> Ranges() {
    std::lock_guard lock(ranges_mu_);
    return ranges_;
  }
  uint64_t BytesRead() {
    uint64_t total = 0;
    for (const auto& r : Ranges()) total += r.length;
    return total;
  }

 private:
  std::mutex ranges_mu_;
  std::vector<ByteRange> ranges_;
};

}  // namespace objectfs::testing
