// Metadata cache over List: lookups and directory listings with a TTL, and a
// short negative cache. No HEAD per file: a lookup of NAME in directory P is one
// ListObjectsV2 with prefix P+NAME and delimiter '/', which tells both whether
// the object P+NAME exists and whether the prefix P+NAME/ does.
//
// An object "a" next to a prefix "a/": the directory wins (the object is hidden),
// so every path resolves the same way whatever order requests arrive in. Keys
// whose last component is not a valid file name (empty, ".", "..", containing
// NUL, longer than 255 bytes) are skipped with one log line.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "objectfs/status.hpp"
#include "objectfs/store.hpp"

namespace objectfs::mount {

struct EntryAttr {
  bool is_dir = false;
  uint64_t size = 0;
  std::string etag;
  std::chrono::system_clock::time_point mtime{};
};

struct DirEntry {
  std::string name;
  EntryAttr attr;
};

class MetadataCache {
 public:
  // ttl < 0: indefinite.
  MetadataCache(std::shared_ptr<ObjectStore> store, std::chrono::milliseconds ttl);

  // NAME in directory `dir_key` (a prefix ending in '/', or empty for the bucket
  // root). nullopt: no such entry.
  Result<std::optional<EntryAttr>> Lookup(const std::string& dir_key, const std::string& name);

  // The whole directory, sorted by name (one List request per 1,000 keys).
  // Fills the lookup cache so later lookups of these names are hits.
  Result<std::shared_ptr<const std::vector<DirEntry>>> ReadDir(const std::string& dir_key);

  static bool ValidName(const std::string& name);

 private:
  using Clock = std::chrono::steady_clock;
  struct Cached {
    std::optional<EntryAttr> attr;
    Clock::time_point expires;
  };
  struct CachedDir {
    std::shared_ptr<const std::vector<DirEntry>> entries;
    Clock::time_point expires;
  };
  Clock::time_point Expiry(bool negative) const;
  void Put(const std::string& key, std::optional<EntryAttr> attr);
  void LogSkipped(const std::string& key);

  std::shared_ptr<ObjectStore> store_;
  const std::chrono::milliseconds ttl_;
  std::mutex mutex_;
  std::unordered_map<std::string, Cached> entries_;  // key without trailing '/'
  std::unordered_map<std::string, CachedDir> dirs_;
  std::unordered_set<std::string> skipped_logged_;
};

}  // namespace objectfs::mount
