// ObjectStore: what every backend implements. Nothing above it knows which
// backend it talks to. Implementations are safe to call from many threads.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "objectfs/status.hpp"

namespace objectfs {

struct ObjectInfo {
  std::string key;
  uint64_t size = 0;
  std::string etag;  // as the server sent it, quotes included
  std::chrono::system_clock::time_point mtime{};
  // The store's own version of the bytes, where it has one that is a better
  // pin than the ETag (GCS: the generation); empty otherwise.
  std::string version = {};
};

struct ByteRange {
  uint64_t offset = 0;
  uint64_t length = 0;
  uint64_t end() const { return offset + length; }
};

// What a read is pinned to. A store sends it with the request (If-Match, the
// GCS generation) and checks the answer against it: a response carrying
// another ETag or version is kObjectChanged, whatever the server did with the
// request's conditions.
struct ReadConditions {
  std::string if_match;      // ETag pinned at open; empty = unconditional
  std::string version = {};  // ObjectInfo::version pinned at open; empty = none

  // The one way the library pins reads of an opened object.
  static ReadConditions PinnedTo(const ObjectInfo& info) { return {info.etag, info.version}; }
};

struct ListRequest {
  std::string prefix;
  std::string delimiter;   // "/" for one directory level, "" for recursive
  std::string page_token;  // from a previous ListPage; empty for the first page
  int max_keys = 1000;
};

struct ListPage {
  std::vector<ObjectInfo> objects;
  std::vector<std::string> common_prefixes;  // each ends with the delimiter
  std::string next_page_token;               // empty on the last page
};

// What a store can do, so callers ask instead of guessing from Describe().
struct StoreCapabilities {
  bool list = true;        // List() works (plain HTTP(S) has no listing)
  bool local = false;      // the bytes are on this machine: not copied into the disk cache
  bool versioned = false;  // ObjectInfo::version pins reads (GCS generations)
  // Writes (not yet offered by any store): uploads, deletes, no-overwrite creates.
  bool write = false;
  bool remove = false;
  bool conditional_create = false;
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // Never changes for a store. Thread-safe.
  virtual StoreCapabilities Capabilities() const { return {}; }

  // Human-readable root, e.g. "s3://bucket" - used in error messages.
  virtual std::string Describe() const = 0;

  // Describe() plus the server: blocks persisted under this name (the disk cache)
  // are never shared by two servers that hold a bucket and key of the same name.
  virtual std::string CacheNamespace() const { return Describe(); }

  virtual Result<ObjectInfo> Stat(std::string_view key) = 0;

  // Reads range.length bytes starting at range.offset into out (out.size() >=
  // range.length). Returns the byte count read: less than requested only when
  // the object ends first. A range starting past the end is kOutOfRange, except
  // that offset == size returns 0. A failed If-Match is kObjectChanged.
  virtual Result<size_t> Read(std::string_view key, ByteRange range, std::span<std::byte> out,
                              const ReadConditions& conditions) = 0;

  virtual Result<ListPage> List(const ListRequest& request) = 0;
};

}  // namespace objectfs
