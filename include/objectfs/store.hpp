// ObjectStore: what every backend implements. Nothing above it knows which
// backend it talks to. Implementations are safe to call from many threads.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
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
  // A listing entry's size, ETag and version are spelled exactly as Stat
  // spells them, so an entry can pin reads (Client::OpenListed sends no
  // request) and finds the disk-cache blocks of a File opened after a Stat.
  bool listing_pins = false;
  // Writes: Put and StartUpload work; Delete works; no-overwrite creates are
  // decided by the server, atomically (else the library checks first, which
  // races with another writer); Copy is server-side.
  bool write = false;
  bool remove = false;
  bool conditional_create = false;
  bool server_side_copy = false;
  // Parts of one upload may be sent at once and in any order (S3, Azure);
  // otherwise one at a time, in order (GCS resumable uploads, local files).
  bool parallel_parts = false;
  // ListUploads/AbortUpload find uploads a killed process left (S3).
  bool list_uploads = false;
  // Every part but the last holds at least this many bytes, and an upload
  // has at most max_parts parts.
  uint64_t min_part_size = 0;
  int max_parts = 0;  // 0 = no limit
};

// What a write depends on.
struct WriteConditions {
  // Fail with kAlreadyExists rather than replace an object under the key.
  bool if_none_match = false;
  std::string content_type = {};  // empty: application/octet-stream
};

// An upload that was started and neither committed nor aborted.
struct PendingUpload {
  std::string key;
  std::string upload_id;
  std::chrono::system_clock::time_point started{};
};

// One multipart upload of a store. Nothing is visible under the key until
// Commit succeeds. Destroying it does not abort it: the Writer decides.
class StoreUpload {
 public:
  virtual ~StoreUpload() = default;

  // The store's name for the upload (ListUploads shows it); may be empty.
  virtual std::string id() const = 0;

  // Uploads part `number` (1-based): object bytes [offset, offset + bytes.size()).
  // Parts but the last hold at least min_part_size bytes. Thread-safe where
  // the store has parallel_parts; otherwise called in order, one at a time.
  // The store checks each part's integrity (Content-MD5, CRC-32C) where it can.
  virtual Status UploadPart(int number, uint64_t offset, std::span<const std::byte> bytes) = 0;

  // Makes parts 1..part_count (total_size bytes) the object. kAlreadyExists
  // when the upload had if_none_match and the key now exists. A Commit that
  // made the object but lost its answer (the retry finds the upload gone or
  // the key taken) succeeds where the store can tell its own object.
  virtual Result<ObjectInfo> Commit(int part_count, uint64_t total_size) = 0;

  // Discards the parts. Best effort; safe after a failed Commit.
  virtual Status Abort() = 0;
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

  // Writes. Stores without them answer kUnimplemented, naming themselves.
  // All are thread-safe.

  // One request: the object `bytes` under `key`, all or nothing.
  virtual Result<ObjectInfo> Put(std::string_view key, std::span<const std::byte> bytes,
                                 const WriteConditions& conditions);
  virtual Result<std::unique_ptr<StoreUpload>> StartUpload(std::string_view key,
                                                           const WriteConditions& conditions);
  // Removes the object; kNotFound when there is none (where the store says).
  virtual Status Delete(std::string_view key);
  // Server-side copy of `source` (pinned) within this store.
  virtual Result<ObjectInfo> Copy(std::string_view source, const ReadConditions& source_pin,
                                  std::string_view destination, const WriteConditions& conditions);
  // Uploads started under `prefix` and never committed or aborted.
  virtual Result<std::vector<PendingUpload>> ListUploads(std::string_view prefix);
  virtual Status AbortUpload(std::string_view key, std::string_view upload_id);
};

}  // namespace objectfs
