// Client: the root object. It owns its HTTP transport, stores, credentials and
// worker threads; two Clients in one process share nothing.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "objectfs/file.hpp"
#include "objectfs/metrics.hpp"
#include "objectfs/options.hpp"
#include "objectfs/stats.hpp"
#include "objectfs/status.hpp"
#include "objectfs/store.hpp"
#include "objectfs/uri.hpp"
#include "objectfs/writer.hpp"

namespace objectfs {

namespace internal {
class ClientCore;
}

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

  // One page of the listing under `uri` (bucket plus optional key prefix), of
  // at most `max_keys` objects and prefixes.
  Result<ListPage> List(std::string_view uri, std::string_view delimiter = "/",
                        std::string_view page_token = {}, int max_keys = 1000);

  // Opens an object: one metadata request, then reads pin its ETag.
  Result<std::shared_ptr<File>> Open(std::string_view uri);
  // Opens an object with the result of an earlier Stat(uri), sending no
  // request; reads pin info.etag as after Open(uri). Pass Stat's result; a
  // listing entry goes to OpenListed (the disk cache keys blocks by the ETag as
  // Stat spells it, and not every store's listing spells it the same way).
  Result<std::shared_ptr<File>> Open(std::string_view uri, ObjectInfo info);
  // Opens an object with its entry from a List of the same store (key, size,
  // ETag, version): no request where the store's listing spells the ETag as
  // Stat does (StoreCapabilities::listing_pins: S3, GCS, Azure, local files),
  // so reads are pinned to the version listed (kObjectChanged if it was
  // replaced since); elsewhere one Stat, as Open(uri). Fails with
  // kInvalidArgument when the entry's key is not the URI's.
  Result<std::shared_ptr<File>> OpenListed(std::string_view uri, ObjectInfo listed);

  // Starts writing the object `uri`; see Writer. Fails at once on a
  // read-only store, a bad URI, credentials or a bucket the store rejects, and
  // (no_overwrite) an existing object.
  Result<std::unique_ptr<Writer>> Create(std::string_view uri, WriteOptions options = {});

  // Removes one object. kNotFound when it does not exist.
  Status Delete(std::string_view uri);

  // Copies object `source` to `destination`: server-side when both are in one
  // store that copies, else streamed through a Writer (pinned to the source
  // version seen at start). Returns the new object.
  Result<ObjectInfo> Copy(std::string_view source, std::string_view destination,
                          WriteOptions options = {});

  // Multipart uploads left under `uri` (a bucket plus key prefix) by writers
  // that never finished (a killed process), and aborting one of them (`uri`
  // then names its object). kUnimplemented where the store leaves none behind.
  Result<std::vector<PendingUpload>> ListUploads(std::string_view uri);
  Status AbortUpload(std::string_view uri, std::string_view upload_id);

  // Makes `scheme`://... URIs open stores made by `factory` (called once per
  // bucket, or host, on first use), e.g. an in-memory or in-house store;
  // reads through them get the memory and disk caches like any other. A
  // scheme can be registered once, and not over a built-in one.
  using StoreFactory = std::function<Result<std::shared_ptr<ObjectStore>>(const Uri& uri)>;
  Status RegisterStore(std::string scheme, StoreFactory factory,
                       UriStyle style = UriStyle::kBucket);

  // Waits for the background work started so far: blocks being published to
  // the shared tier. Reads never wait for it; a front calls it before it
  // reports or exits (the Client's destructor waits too).
  void Flush();

  ClientStats Stats() const;
  // Every metric family (docs/observability.md), then those of live sources.
  std::vector<MetricFamily> Metrics() const;
  // Adds families of a front (the mount's FUSE operations) to Metrics(), the
  // metrics server and the metrics file, for as long as `source` lives.
  using MetricsSource = std::function<void(std::vector<MetricFamily>& out)>;
  void AddMetricsSource(std::weak_ptr<const MetricsSource> source);
  // What the requests so far cost at options().observe.price_table's prices.
  RunCost Cost() const;
  // Writes Metrics() to options().observe.metrics_file now (the Client also
  // does so when it ends, unless this was called). Errors name the file.
  Status WriteMetricsFile();
  // The port the metrics server listens on (after port 0), 0 without one.
  uint16_t MetricsPort() const;
  // Bytes per block of the disk cache and the shared tier (the unit of
  // File::WarmDiskCache, which fills both); 0 without either.
  uint64_t DiskCacheBlockSize() const;
  // Bytes the memory cache and in-flight reads may hold (memory_limit, or what
  // its default resolved to): the bound for callers that read ahead on their own.
  uint64_t MemoryBudget() const;
  const ClientOptions& options() const;

 private:
  explicit Client(std::shared_ptr<internal::ClientCore> core);
  std::shared_ptr<internal::ClientCore> core_;
};

}  // namespace objectfs
