#include "core/shared_tier.hpp"

#include <cstring>
#include <thread>
#include <vector>

#include "cache/buffer_pool.hpp"
#include "cache/shared_block.hpp"
#include "core/client_core.hpp"

namespace objectfs::internal {
namespace {

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string AsPrefix(std::string key) {
  if (!key.empty() && !key.ends_with('/')) key += '/';
  return key;
}

// The tier's own Client settings: a tier that answers slowly must cost a
// read little, so short timeouts and one retry; nothing of its own to cache,
// serve or price.
ClientOptions TierOptions(const ClientOptions& client) {
  ClientOptions tier = client;
  tier.http.connect_timeout = std::min(tier.http.connect_timeout, std::chrono::milliseconds(1000));
  tier.http.low_speed_time = std::min(tier.http.low_speed_time, std::chrono::seconds(2));
  tier.http.retry.max_attempts = std::min(tier.http.retry.max_attempts, 2);
  tier.read.max_parallel_requests = 4;  // the publishing threads
  tier.read.memory_limit = 16ull << 20;
  tier.cache_dir.clear();
  tier.fleet = {};
  tier.observe.metrics_address.clear();
  tier.observe.metrics_file.clear();
  return tier;
}

// The object stored for a block: header, then the bytes.
std::vector<std::byte> EncodedBlock(const std::string& identity, std::span<const std::byte> data) {
  std::vector<std::byte> object(kSharedBlockHeader + data.size());
  EncodeSharedBlockHeader(
      identity, data, std::span<std::byte, kSharedBlockHeader>(object.data(), kSharedBlockHeader));
  std::memcpy(object.data() + kSharedBlockHeader, data.data(), data.size());
  return object;
}

}  // namespace

SharedTier::SharedTier(uint64_t block_size, StatsCounters* stats, LogSink log,
                       const FleetOptions& fleet)
    : block_size_(block_size),
      stats_(stats),
      log_(std::move(log)),
      fleet_size_(std::max(1, fleet.fleet_size)),
      fleet_rank_(fleet.fleet_rank),
      fleet_wait_(fleet.fleet_wait),
      rank_missed_(new std::atomic<bool>[static_cast<size_t>(fleet_size_)]()) {}

SharedTier::~SharedTier() = default;

Result<std::unique_ptr<SharedTier>> SharedTier::Open(const ClientOptions& options,
                                                     uint64_t block_size, StatsCounters* stats) {
  std::unique_ptr<SharedTier> tier(new SharedTier(block_size, stats, options.log, options.fleet));
  tier->core_ = std::make_unique<ClientCore>(TierOptions(options));
  const std::string& uri = options.fleet.shared_cache;
  tier->uri_ = uri;
  auto located = Locate(*tier->core_, uri);
  if (!located.ok()) return located.status().WithContext("shared_cache");
  if (!located->store->Capabilities().write) {
    return InvalidArgument("shared_cache " + uri + ": the store cannot be written to");
  }
  tier->store_ = located->store;
  tier->prefix_ = AsPrefix(located->uri.key);
  tier->read_store_ = tier->store_;
  tier->read_prefix_ = tier->prefix_;
  if (const std::string& url = options.fleet.shared_cache_read_url; !url.empty()) {
    auto reader = Locate(*tier->core_, url);
    if (!reader.ok()) return reader.status().WithContext("shared_cache_read_url");
    tier->read_store_ = reader->store;
    tier->read_prefix_ = AsPrefix(reader->uri.key);
  }
  return tier;
}

std::string SharedTier::KeyOf(const std::string& identity, uint64_t block) const {
  return SharedBlockName(identity, block_size_, block);
}

bool SharedTier::Skipping() const {
  return NowNs() < skip_until_ns_.load(std::memory_order_relaxed);
}

void SharedTier::Failed(const Status& status) {
  Add(stats_->shared_failures);
  skip_until_ns_.store(NowNs() + std::chrono::nanoseconds(kSkipFor).count(),
                       std::memory_order_relaxed);
  if (log_ && !warned_.exchange(true)) {
    const std::string message = "shared cache " + uri_ + ": " + status.ToString() +
                                "; reading from the origin, the tier is skipped for " +
                                std::to_string(kSkipFor.count()) + " s at a time";
    log_({LogLevel::kWarning, message, uri_});
  }
}

bool SharedTier::Read(const std::string& identity, uint64_t block, std::span<std::byte> out) {
  if (Skipping()) {
    Add(stats_->shared_misses);
    return false;
  }
  const size_t length = kSharedBlockHeader + out.size();
  UniqueBuffer buffer(AllocateBuffer(length));
  const std::span<std::byte> object(buffer.get(), length);
  auto n = read_store_->Read(read_prefix_ + KeyOf(identity, block), {0, length}, object, {});
  if (!n.ok() && n.status().code() != StatusCode::kNotFound &&
      n.status().code() != StatusCode::kOutOfRange) {
    Failed(n.status());
  }
  if (n.ok() && !VerifySharedBlock(identity, object.first(*n), out.size())) {
    Add(stats_->shared_corrupt_blocks);
    n = DataLoss("corrupt");
  }
  if (!n.ok()) {
    Add(stats_->shared_misses);
    return false;
  }
  std::memcpy(out.data(), object.data() + kSharedBlockHeader, out.size());
  Add(stats_->shared_hits);
  Add(stats_->shared_bytes_read, out.size());
  return true;
}

Status SharedTier::PutObject(const std::string& key, std::span<const std::byte> object) {
  auto stored = store_->Put(prefix_ + key, object, {});
  if (!stored.ok()) {
    Failed(stored.status());
    return stored.status().WithContext("shared_cache " + uri_);
  }
  Add(stats_->shared_bytes_written, object.size() - kSharedBlockHeader);
  return Status::Ok();
}

Status SharedTier::Put(const std::string& identity, uint64_t block,
                       std::span<const std::byte> data) {
  return PutObject(KeyOf(identity, block), EncodedBlock(identity, data));
}

void SharedTier::Publish(const std::string& identity, uint64_t block,
                         std::span<const std::byte> data) {
  std::string key = KeyOf(identity, block);
  {
    std::lock_guard lock(queue_mu_);
    if (published_.contains(key)) return;
    if (Skipping() || queued_bytes_ + data.size() > kMaxQueuedBytes) {
      Add(stats_->shared_dropped);
      return;
    }
    if (published_.size() >= kMaxRemembered) published_.clear();
    published_.insert(key);
    queued_bytes_ += data.size();
  }
  auto object = std::make_shared<std::vector<std::byte>>(EncodedBlock(identity, data));
  core_->io_pool().Submit([this, key = std::move(key), object] {
    (void)PutObject(key, *object);
    std::lock_guard lock(queue_mu_);
    queued_bytes_ -= object->size() - kSharedBlockHeader;
    if (queued_bytes_ == 0) queue_empty_.notify_all();
  });
}

void SharedTier::Drain() {
  std::unique_lock lock(queue_mu_);
  queue_empty_.wait(lock, [this] { return queued_bytes_ == 0; });
}

int SharedTier::OwnerOf(const std::string& identity, uint64_t block) const {
  return SharedBlockOwner(identity, block, fleet_size_);
}

bool SharedTier::Owns(const std::string& identity, uint64_t block) const {
  return fleet_size_ <= 1 || OwnerOf(identity, block) == fleet_rank_;
}

bool SharedTier::WaitFor(const std::string& identity, uint64_t block, std::span<std::byte> out) {
  const int owner = OwnerOf(identity, block);
  std::atomic<bool>& missed = rank_missed_[static_cast<size_t>(owner)];
  const auto deadline = std::chrono::steady_clock::now() + fleet_wait_;
  auto poll = std::chrono::milliseconds(50);
  while (!missed.load(std::memory_order_relaxed) && !Skipping()) {
    std::this_thread::sleep_for(poll);
    if (Read(identity, block, out)) return true;
    if (std::chrono::steady_clock::now() >= deadline) {
      if (!missed.exchange(true) && log_) {
        const std::string message = "shared cache " + uri_ + ": rank " + std::to_string(owner) +
                                    " did not publish a block within fleet_wait; fetching its "
                                    "blocks from the origin";
        log_({LogLevel::kWarning, message, uri_});
      }
      return false;
    }
    poll = std::min(poll * 2, std::chrono::milliseconds(500));
  }
  return false;
}

bool SharedTier::Contains(const std::string& identity, uint64_t block, uint64_t block_bytes) {
  auto info = store_->Stat(prefix_ + KeyOf(identity, block));
  return info.ok() && info->size == kSharedBlockHeader + block_bytes;
}

}  // namespace objectfs::internal
