// ClientCore: the state a Client owns (transport, stores, credentials, worker
// threads, counters). Files keep it alive through a shared_ptr.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "cache/block_cache.hpp"
#include "cache/disk_cache.hpp"
#include "core/disk_tier.hpp"
#include "core/plan_registry.hpp"
#include "core/shared_tier.hpp"
#include "core/stats.hpp"
#include "core/store_registry.hpp"
#include "core/thread_pool.hpp"
#include "http/transport.hpp"
#include "objectfs/metrics.hpp"
#include "objectfs/options.hpp"
#include "objectfs/store.hpp"
#include "objectfs/uri.hpp"
#include "observe/price_table.hpp"
#include "observe/request_metrics.hpp"
#include "util/env.hpp"

namespace objectfs::internal {

// One ranged read of `range`, pinned by `conditions`. Callers ask only for
// bytes inside the object, so a short body is a broken one: it is fetched once
// more, and a second short answer is returned as is for the caller to reject.
Result<size_t> ReadPart(ObjectStore& store, std::string_view key, ByteRange range,
                        std::span<std::byte> out, const ReadConditions& conditions);

class ClientCore;

// A parsed URI and the store serving it; errors name the URI.
struct Located {
  Uri uri;
  std::shared_ptr<ObjectStore> store;
};
Result<Located> Locate(ClientCore& core, std::string_view uri);

class ClientCore {
 public:
  // `transport` replaces the libcurl one (tests: a fake server); retries are
  // layered on top of it either way.
  explicit ClientCore(ClientOptions options, EnvLookup env = ProcessEnv(),
                      std::shared_ptr<HttpTransport> transport = nullptr);
  ~ClientCore();

  const ClientOptions& options() const { return options_; }
  StatsCounters& stats() { return stats_; }
  ThreadPool& io_pool() { return io_pool_; }
  // Set once the destructor runs: optional background work (shard warming)
  // stops instead of delaying it.
  bool closing() const { return closing_.load(std::memory_order_relaxed); }
  BlockCache& cache() { return cache_; }
  // The format-aware prefetch plans of open files, by object version.
  PlanRegistry& plans() { return plans_; }
  // The disk cache, or null when none is configured (or before OpenDiskCache).
  DiskCache* disk_cache() { return disk_cache_.get(); }
  // The shared (fleet) tier, or null when options().fleet.shared_cache is empty.
  SharedTier* shared_tier() { return shared_tier_.get(); }
  // The tiers a remote object is read through (local files have none).
  Tiers tiers_for_remote() { return {disk_cache_.get(), shared_tier_.get(), &block_flights_}; }

  // Opens the disk cache of options().cache_dir (else OBJECTFS_CACHE_DIR), if
  // any, and the shared tier of options().fleet. Called once, before the
  // first read; errors name the directory or the URI.
  Status OpenDiskCache();

  // Loads the price table and starts the metrics server the options ask for.
  // Called once, after OpenDiskCache; errors name the file or the address.
  Status StartObservability();
  // Every family: the Client's, then those of live sources. Thread-safe.
  std::vector<MetricFamily> Metrics();
  using MetricsSource = std::function<void(std::vector<MetricFamily>&)>;
  void AddMetricsSource(std::weak_ptr<const MetricsSource> source);
  RunCost Cost() const { return CostOf(request_metrics_, prices_); }
  // Writes Metrics() to options().observe.metrics_file (once more each call).
  Status WriteMetricsFile();
  uint16_t metrics_port() const { return metrics_server_ ? metrics_server_->port() : 0; }

  // Thread-safe; one store per (scheme, bucket), created on first use.
  Result<std::shared_ptr<ObjectStore>> StoreFor(const Uri& uri);
  // The schemes this Client knows and their stores. Thread-safe.
  StoreRegistry& registry() { return registry_; }

  // Splits [offset, offset + out.size()) into part_size ranged reads run in
  // parallel on io_pool, each pinned by `conditions`. Returns bytes read (short
  // only at the object's end). Must not be called from an io_pool thread.
  // With `disk` (and a disk cache or shared tier), the parts are the tiers'
  // blocks and each is read through them (ReadThroughTiers).
  Result<size_t> ParallelRead(ObjectStore& store, std::string_view key,
                              const ReadConditions& conditions, uint64_t offset,
                              std::span<std::byte> out, const DiskObject* disk = nullptr);

 private:
  void AppendClientFamilies(std::vector<MetricFamily>& out);

  const ClientOptions options_;
  const EnvLookup env_;
  StatsCounters stats_;
  RequestMetrics request_metrics_;
  PriceTable prices_;
  std::shared_ptr<HttpTransport> raw_transport_;    // no retries: credential probes
  std::shared_ptr<HttpTransport> transport_;        // with retries: token requests
  std::shared_ptr<HttpTransport> store_transport_;  // retries and counters: store requests
  StoreRegistry registry_;
  SharedState shared_;  // what stores of this Client share (credential providers)
  BlockCache cache_;
  PlanRegistry plans_;
  std::unique_ptr<DiskCache> disk_cache_;
  std::unique_ptr<SharedTier> shared_tier_;  // before io_pool_: its tasks use it
  BlockFlights block_flights_;

  std::atomic<bool> closing_{false};
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<ObjectStore>> stores_;
  ThreadPool io_pool_;  // joined before the rest is destroyed

  std::mutex sources_mu_;
  std::vector<std::weak_ptr<const MetricsSource>> sources_;
  bool metrics_file_written_ = false;
  // Last: stops serving before anything it reads goes away.
  std::unique_ptr<MetricsServer> metrics_server_;
};

}  // namespace objectfs::internal
