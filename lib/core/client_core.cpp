#include "core/client_core.hpp"

#include <unistd.h>

#include <condition_variable>

#include "http/counting_transport.hpp"
#include "http/curl_transport.hpp"
#include "http/retry.hpp"
#include "observe/metrics_transport.hpp"
#include "stores/builtin_stores.hpp"

namespace objectfs::internal {
namespace {

uint64_t DefaultMemoryLimit() {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page_size = ::sysconf(_SC_PAGESIZE);
  const uint64_t quarter =
      pages > 0 && page_size > 0 ? uint64_t(pages) * uint64_t(page_size) / 4 : 0;
  return quarter == 0 ? 2ull << 30 : std::min<uint64_t>(2ull << 30, quarter);
}

}  // namespace

ClientCore::ClientCore(ClientOptions options, EnvLookup env,
                       std::shared_ptr<HttpTransport> transport)
    : options_(std::move(options)),
      env_(std::move(env)),
      raw_transport_(std::make_shared<MetricsTransport>(
          transport ? std::move(transport) : std::make_shared<CurlTransport>(options_.http),
          &request_metrics_, options_.log, options_.observe.log_level == "debug")),
      transport_(std::make_shared<RetryingTransport>(raw_transport_, options_.http.retry, &stats_)),
      store_transport_(std::make_shared<CountingTransport>(transport_, &stats_)),
      cache_(options_.read.memory_limit ? options_.read.memory_limit : DefaultMemoryLimit(),
             options_.read.block_size),
      io_pool_(options_.read.max_parallel_requests) {
  // Registering the built-in stores into an empty registry cannot fail.
  (void)RegisterBuiltinStores(registry_);
}

ClientCore::~ClientCore() {
  closing_.store(true, std::memory_order_relaxed);
  if (!options_.observe.metrics_file.empty() && !metrics_file_written_) {
    if (Status s = WriteMetricsFile(); !s.ok() && options_.log) {
      options_.log({LogLevel::kWarning, s.ToString()});
    }
  }
}

Status ClientCore::OpenDiskCache() {
  DiskCacheConfig config;
  config.dir = options_.cache_dir;
  if (config.dir.empty()) config.dir = env_("OBJECTFS_CACHE_DIR").value_or("");
  if (!config.dir.empty()) {
    if (options_.cache_size != 0) config.capacity = options_.cache_size;
    config.log = options_.log;
    auto opened = DiskCache::Open(config, &stats_);
    if (!opened.ok()) return opened.status().WithContext("disk cache");
    disk_cache_ = std::move(*opened);
  }
  if (!options_.fleet.shared_cache.empty()) {
    // The same blocks as the disk cache, so a block moves between them whole.
    auto tier = SharedTier::Open(
        options_, disk_cache_ ? disk_cache_->block_size() : config.block_size, &stats_);
    if (!tier.ok()) return tier.status();
    shared_tier_ = std::move(*tier);
  }
  return Status::Ok();
}

Result<std::shared_ptr<ObjectStore>> ClientCore::StoreFor(const Uri& uri) {
  const std::string id = uri.scheme + "://" + uri.bucket;
  std::lock_guard lock(mu_);
  auto it = stores_.find(id);
  if (it != stores_.end()) return it->second;
  StoreContext context{options_, env_, store_transport_, transport_, raw_transport_, shared_};
  OBJECTFS_ASSIGN_OR_RETURN(std::shared_ptr<ObjectStore> store, registry_.Create(uri, context));
  stores_.emplace(id, store);
  return store;
}

Result<size_t> ReadPart(ObjectStore& store, std::string_view key, ByteRange range,
                        std::span<std::byte> out, const ReadConditions& conditions) {
  Result<size_t> n = store.Read(key, range, out, conditions);
  if (n.ok() && *n < range.length) n = store.Read(key, range, out, conditions);
  return n;
}

Result<size_t> ClientCore::ParallelRead(ObjectStore& store, std::string_view key,
                                        const ReadConditions& conditions, uint64_t offset,
                                        std::span<std::byte> out, const DiskObject* disk) {
  const Tiers tiers = disk != nullptr ? tiers_for_remote() : Tiers{};
  auto read_part = [&](ByteRange range, std::span<std::byte> into) {
    return tiers.any() ? ReadThroughTiers(tiers, store, key, *disk, range, into, conditions)
                       : ReadPart(store, key, range, into, conditions);
  };
  // Parts start at `offset`; through the disk cache they follow its blocks
  // instead, so each whole block is one file read or one GET.
  const uint64_t part_size =
      tiers.any() ? tiers.block_size() : std::max<uint64_t>(1, options_.read.part_size);
  const uint64_t lead = tiers.any() ? (part_size - offset % part_size) % part_size : 0;
  const uint64_t first_part = std::min<uint64_t>(lead ? lead : part_size, out.size());
  const size_t parts =
      1 + static_cast<size_t>((out.size() - first_part + part_size - 1) / part_size);
  if (parts <= 1) return read_part({offset, out.size()}, out);

  // Parts run on the pool; this thread waits for all of them. After a failure
  // the remaining parts are skipped.
  struct Shared {
    std::mutex mu;
    std::condition_variable done;
    size_t remaining;
    Status first_error;
    size_t bytes = 0;
    bool hole = false;  // a part other than the last came back short
  } shared;
  shared.remaining = parts;
  for (size_t i = 0; i < parts; ++i) {
    const uint64_t part_offset = i == 0 ? 0 : first_part + (i - 1) * part_size;
    const size_t length = static_cast<size_t>(
        std::min<uint64_t>(i == 0 ? first_part : part_size, out.size() - part_offset));
    const bool last = i + 1 == parts;
    io_pool_.Submit([&, part_offset, length, last] {
      bool skip;
      {
        std::lock_guard lock(shared.mu);
        skip = !shared.first_error.ok();
      }
      Result<size_t> n =
          skip ? Result<size_t>(size_t{0})
               : read_part({offset + part_offset, length}, out.subspan(part_offset, length));
      std::lock_guard lock(shared.mu);
      if (!n.ok() && shared.first_error.ok()) shared.first_error = n.status();
      if (n.ok()) {
        shared.bytes += *n;
        if (*n < length && !skip && !last) shared.hole = true;
      }
      if (--shared.remaining == 0) shared.done.notify_one();
    });
  }
  std::unique_lock lock(shared.mu);
  shared.done.wait(lock, [&] { return shared.remaining == 0; });
  if (!shared.first_error.ok()) return shared.first_error;
  if (shared.hole) {
    return DataLoss("'" + std::string(key) + "' ended before byte " +
                    std::to_string(offset + out.size()) + " although its ETag is unchanged");
  }
  return shared.bytes;
}

Result<Located> Locate(ClientCore& core, std::string_view text) {
  OBJECTFS_ASSIGN_OR_RETURN(Uri uri, core.registry().Parse(text));
  auto store = core.StoreFor(uri);
  if (!store.ok()) return store.status().WithContext(uri.ForMessages());
  return Located{std::move(uri), std::move(*store)};
}

}  // namespace objectfs::internal
