// An in-memory ObjectStore that keeps the contract (tests/contract): keys ->
// bytes, ETags that change on every Put, listings with prefixes and pages.
#pragma once

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <string>

#include "objectfs/store.hpp"

namespace objectfs::contract {

class MemoryStore : public ObjectStore {
 public:
  std::string Describe() const override { return "mem://"; }

  void Put(const std::string& key, std::string bytes) {
    std::lock_guard lock(mu_);
    objects_[key] = {std::move(bytes), "\"m" + std::to_string(++puts_) + "\""};
  }

  Result<ObjectInfo> Stat(std::string_view key) override {
    std::lock_guard lock(mu_);
    auto it = objects_.find(std::string(key));
    if (it == objects_.end()) return NotFound("key '" + std::string(key) + "' not found");
    return ObjectInfo{it->first, it->second.bytes.size(), it->second.etag, {}};
  }

  Result<size_t> Read(std::string_view key, ByteRange range, std::span<std::byte> out,
                      const ReadConditions& pin) override {
    std::lock_guard lock(mu_);
    auto it = objects_.find(std::string(key));
    if (it == objects_.end()) return NotFound("key '" + std::string(key) + "' not found");
    if (!pin.if_match.empty() && pin.if_match != it->second.etag) {
      return ObjectChanged("key '" + std::string(key) + "' changed since it was opened");
    }
    const std::string& bytes = it->second.bytes;
    if (range.offset > bytes.size()) return OutOfRange("range past the end of '" + it->first + "'");
    const size_t n =
        static_cast<size_t>(std::min<uint64_t>(range.length, bytes.size() - range.offset));
    std::memcpy(out.data(), bytes.data() + range.offset, n);
    return n;
  }

  // Keys in order; the page token is the last key of the previous page.
  Result<ListPage> List(const ListRequest& request) override {
    std::lock_guard lock(mu_);
    ListPage page;
    auto it = request.page_token.empty() ? objects_.lower_bound(request.prefix)
                                         : objects_.upper_bound(request.page_token);
    std::string last;
    for (; it != objects_.end() && it->first.starts_with(request.prefix); ++it) {
      if (static_cast<int>(page.objects.size() + page.common_prefixes.size()) >= request.max_keys) {
        page.next_page_token = last;
        break;
      }
      const std::string rest = it->first.substr(request.prefix.size());
      const size_t cut =
          request.delimiter.empty() ? std::string::npos : rest.find(request.delimiter);
      if (cut != std::string::npos) {
        const std::string prefix = request.prefix + rest.substr(0, cut + request.delimiter.size());
        if (page.common_prefixes.empty() || page.common_prefixes.back() != prefix) {
          page.common_prefixes.push_back(prefix);
        }
      } else {
        page.objects.push_back({it->first, it->second.bytes.size(), it->second.etag, {}});
      }
      last = it->first;
    }
    return page;
  }

 private:
  struct Object {
    std::string bytes;
    std::string etag;
  };
  std::mutex mu_;
  std::map<std::string, Object> objects_;
  uint64_t puts_ = 0;
};

}  // namespace objectfs::contract
