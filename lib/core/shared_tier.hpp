// The shared (fleet) tier: disk-cache-sized blocks kept as immutable objects
// in a bucket many nodes share (docs/fleet.md). The read order is memory ->
// local disk cache -> this tier -> the origin. A tier that is missing, denied,
// slow or corrupt never fails a read: its answers are verified, its failures
// fall through to the origin, and a failing tier is skipped for a while.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <unordered_set>

#include "core/stats.hpp"
#include "objectfs/log.hpp"
#include "objectfs/options.hpp"
#include "objectfs/store.hpp"

namespace objectfs::internal {

class ClientCore;

class SharedTier {
 public:
  // `options` are the Client's: fleet.shared_cache names the tier (a bucket
  // and prefix of a writable store), fleet.shared_cache_read_url an optional
  // HTTP(S) cache or CDN in front of it for reads. The tier gets its own
  // transport with short timeouts and few retries. Errors name the URI.
  static Result<std::unique_ptr<SharedTier>> Open(const ClientOptions& options, uint64_t block_size,
                                                  StatsCounters* stats);
  ~SharedTier();

  uint64_t block_size() const { return block_size_; }

  // All thread-safe. `block_bytes` is the block's exact length (shorter only
  // at the object's end).
  // Fills `out` with a verified copy of the block; false (counted) on a miss,
  // a corrupt copy, a failure or while the tier is skipped.
  bool Read(const std::string& identity, uint64_t block, std::span<std::byte> out);
  // Stores a copy of the block in the background. Never blocks: dropped
  // (counted) when kMaxQueuedBytes are already waiting or the tier is skipped.
  void Publish(const std::string& identity, uint64_t block, std::span<const std::byte> data);
  // For warm: whether the tier holds the block, and storing it on this thread.
  bool Contains(const std::string& identity, uint64_t block, uint64_t block_bytes);
  Status Put(const std::string& identity, uint64_t block, std::span<const std::byte> data);

  // Waits until the publishes queued so far are done (stored or failed).
  void Drain();

  // Cooperative cold start (fleet_size > 1): whether this node fetches the
  // block from the origin itself, and waiting (up to fleet_wait, polling the
  // tier) for the rank that does. A rank whose block never came is not waited
  // for again, so a dead rank costs the others one wait.
  bool Owns(const std::string& identity, uint64_t block) const;
  bool WaitFor(const std::string& identity, uint64_t block, std::span<std::byte> out);

  static constexpr uint64_t kMaxQueuedBytes = 64ull << 20;
  static constexpr std::chrono::seconds kSkipFor{30};

 private:
  SharedTier(uint64_t block_size, StatsCounters* stats, LogSink log, const FleetOptions& fleet);
  int OwnerOf(const std::string& identity, uint64_t block) const;
  std::string KeyOf(const std::string& identity, uint64_t block) const;
  Status PutObject(const std::string& key, std::span<const std::byte> object);
  bool Skipping() const;
  void Failed(const Status& status);

  const uint64_t block_size_;
  StatsCounters* const stats_;
  const LogSink log_;
  const int fleet_size_;
  const int fleet_rank_;
  const std::chrono::milliseconds fleet_wait_;
  std::unique_ptr<std::atomic<bool>[]> rank_missed_;  // per rank: a wait for it timed out
  std::string uri_;                                   // for messages
  std::string prefix_;
  std::shared_ptr<ObjectStore> store_;
  std::shared_ptr<ObjectStore> read_store_;  // the CDN's, or store_
  std::string read_prefix_;
  std::atomic<int64_t> skip_until_ns_{0};
  std::atomic<bool> warned_{false};
  std::mutex queue_mu_;
  std::condition_variable queue_empty_;
  uint64_t queued_bytes_ = 0;
  // Blocks this process published (or queued): two readers fetching the same
  // block publish it once. Forgotten wholesale past kMaxRemembered.
  std::unordered_set<std::string> published_;
  static constexpr size_t kMaxRemembered = 65536;
  // Last: its pool runs the queued publishes before the members above go.
  std::unique_ptr<ClientCore> core_;
};

}  // namespace objectfs::internal
