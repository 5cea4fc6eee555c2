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
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "fs/object_source.hpp"
#include "objectfs/status.hpp"
#include "objectfs/store.hpp"

namespace objectfs::mount {

struct EntryAttr {
  bool is_dir = false;
  uint64_t size = 0;
  std::string etag;
  std::chrono::system_clock::time_point mtime{};
  std::string version = {};  // the listing's (GCS: the generation)
};

struct DirEntry {
  std::string name;
  EntryAttr attr;
};

// Thread-safe.
class MetadataCache {
 public:
  using Clock = std::chrono::steady_clock;
  // When entries expire: now() + ttl (negative entries: at most 5 s).
  struct Options {
    std::chrono::milliseconds ttl{60000};  // < 0: indefinite
    std::function<Clock::time_point()> now = Clock::now;
  };

  MetadataCache(ObjectSource& source, Options options);

  // NAME in directory `dir_key` (a prefix ending in '/', or empty for the bucket
  // root). nullopt: no such entry.
  Result<std::optional<EntryAttr>> Lookup(const std::string& dir_key, const std::string& name);

  // The whole directory, sorted by name (one List request per 1,000 keys).
  // Fills the lookup cache so later lookups of these names are hits.
  Result<std::shared_ptr<const std::vector<DirEntry>>> ReadDir(const std::string& dir_key);

  // This mount changed NAME in `dir_key` (committed an upload: `attr`; deleted
  // it: nullopt): remembers that and drops the cached listing of `dir_key`.
  void Update(const std::string& dir_key, const std::string& name, std::optional<EntryAttr> attr);

  static bool ValidName(const std::string& name);

 private:
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

  ObjectSource& source_;
  const Options options_;
  std::mutex mutex_;
  std::unordered_map<std::string, Cached> entries_;  // key without trailing '/'
  std::unordered_map<std::string, CachedDir> dirs_;
  std::unordered_set<std::string> skipped_logged_;
};

}  // namespace objectfs::mount
