// Client: the root object. It owns its HTTP transport, stores, credentials and
// worker threads; two Clients in one process share nothing.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "objectfs/file.hpp"
#include "objectfs/options.hpp"
#include "objectfs/status.hpp"
#include "objectfs/store.hpp"
#include "objectfs/uri.hpp"

namespace objectfs {

namespace internal {
class ClientCore;
}

// Counters since the Client was created.
struct ClientStats {
  uint64_t head_requests = 0;
  uint64_t get_requests = 0;  // data GETs
  uint64_t list_requests = 0;
  uint64_t other_requests = 0;  // credentials, tokens
  uint64_t retries = 0;
  uint64_t bytes_downloaded = 0;  // object bytes received from stores
  uint64_t bytes_served = 0;      // bytes returned to callers by File reads
  uint64_t cache_hits = 0;
  uint64_t cache_misses = 0;
  uint64_t memory_used = 0;  // bytes held by the memory cache and in-flight fetches now
  uint64_t memory_peak = 0;  // the most it ever held (never above memory_limit + demand reads)
  // Disk cache (cache_dir): block lookups that hit or missed, bytes read from
  // and written to it, blocks that failed their checksum (deleted and fetched
  // again), bytes whose checksums were computed (a re-read of an unchanged
  // block from the page cache skips it), and blocks that could not be stored
  // (no room, write errors).
  uint64_t disk_hits = 0;
  uint64_t disk_misses = 0;
  uint64_t disk_bytes_read = 0;
  uint64_t disk_bytes_written = 0;
  uint64_t disk_corrupt_blocks = 0;
  uint64_t disk_bytes_verified = 0;
  uint64_t disk_write_failures = 0;
};

class Client {
 public:
  // Builds a Client; fails only on invalid options. Credentials are resolved
  // lazily, the first time a store for a scheme is needed.
  static Result<std::shared_ptr<Client>> Create(ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // All methods below are thread-safe.

  Result<ObjectInfo> Stat(std::string_view uri);

  // One page of the listing under `uri` (bucket plus optional key prefix).
  Result<ListPage> List(std::string_view uri, std::string_view delimiter = "/",
                        std::string_view page_token = {});

  // Opens an object: one metadata request, then reads pin its ETag.
  Result<std::shared_ptr<File>> Open(std::string_view uri);
  // Opens an object with the result of an earlier Stat(uri), sending no
  // request; reads pin info.etag as after Open(uri). Pass Stat's result, not
  // a listing entry: the disk cache keys blocks by the ETag as Stat spells it,
  // and a listing is not guaranteed to spell it the same way.
  Result<std::shared_ptr<File>> Open(std::string_view uri, ObjectInfo info);

  // The store serving `uri`'s bucket (created on first use, then reused).
  Result<std::shared_ptr<ObjectStore>> StoreFor(const Uri& uri);

  // Makes `scheme`://... URIs open stores made by `factory` (called once per
  // bucket, or host, on first use), e.g. an in-memory or in-house store;
  // reads through them get the memory and disk caches like any other. A
  // scheme can be registered once, and not over a built-in one.
  using StoreFactory = std::function<Result<std::shared_ptr<ObjectStore>>(const Uri& uri)>;
  Status RegisterStore(std::string scheme, StoreFactory factory,
                       UriStyle style = UriStyle::kBucket);

  ClientStats Stats() const;
  // Bytes per disk-cache block (the unit of File::WarmDiskCache); 0 without a
  // disk cache.
  uint64_t DiskCacheBlockSize() const;
  const ClientOptions& options() const;

 private:
  explicit Client(std::shared_ptr<internal::ClientCore> core);
  std::shared_ptr<internal::ClientCore> core_;
};

}  // namespace objectfs
