// ObjectReader: the read engine behind one File. Small and random reads go
// through the Client's BlockCache and fetch only the blocks they touch;
// sequential streams (several per file, e.g. one per reader thread) grow a
// readahead window fetched as parallel part-sized GETs; large reads go
// straight into the caller's buffer.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "cache/block_cache.hpp"
#include "core/disk_tier.hpp"
#include "objectfs/file.hpp"
#include "objectfs/options.hpp"
#include "objectfs/store.hpp"
#include "prefetch/prefetch_plan.hpp"

namespace objectfs::internal {

class ClientCore;

// The format-aware prefetch a file of `key` gets (prefetch_formats=auto and a
// format the planner knows): a .safetensors or .gguf header read at offset 0,
// or a torch.save zip (.pt, .pth, .bin, .ckpt) whose central directory is read
// at its end.
enum class PlanFormat { kNone, kSafetensors, kTorchZip, kGguf };
PlanFormat PlanFormatOf(const ReadOptions& options, std::string_view key);
// Whether a file of `format` starts with its header: the read at offset 0 plans it.
inline bool HeaderAtStart(PlanFormat format) {
  return format == PlanFormat::kSafetensors || format == PlanFormat::kGguf;
}

class ObjectReader {
 public:
  ObjectReader(std::shared_ptr<ClientCore> core, std::shared_ptr<ObjectStore> store,
               std::string key, ObjectInfo info);

  // out.size() > 0 and offset + out.size() <= object size. Thread-safe.
  Result<size_t> Read(uint64_t offset, std::span<std::byte> out);
  // The same bytes, left where the cache holds them. Thread-safe.
  Result<PinnedBytes> ReadPinned(uint64_t offset, uint64_t length);

  // Starts fetching [range) into the cache within the budget. Never blocks. Thread-safe.
  void Prefetch(ByteRange range);

  // Exactly `ranges`, each into its buffer, in parallel pieces (File::ReadRanges).
  Status ReadRanges(std::span<const ByteRange> ranges, std::span<const std::span<std::byte>> outs);

  // Turns the format-aware prefetch of this file off (its caller plans its
  // own reads); fetches already started finish. Thread-safe.
  void DisablePlan();

  // Starts fetching the first `bytes` of an object no File has opened yet (a
  // shard named by an index file) into the cache, where a File of the same
  // version finds them. Never blocks; the budget may refuse. Thread-safe.
  static void PrefetchHead(ClientCore& core, std::shared_ptr<ObjectStore> store, std::string key,
                           ObjectInfo info, uint64_t bytes);

  // Fills the disk cache with the blocks overlapping `range`, on this thread.
  // InvalidArgument without a disk cache. Thread-safe.
  Result<WarmCounts> WarmDisk(ByteRange range);

 private:
  struct Stream {
    uint64_t next_offset = 0;    // where a sequential reader is expected next
    uint64_t window = 0;         // current readahead window
    uint64_t requested_end = 0;  // readahead has been issued up to here
    uint64_t last_used = 0;
    int hits = 0;  // reads that continued this stream
  };

  // The done fetches holding [offset, offset + length), one per block, or
  // none when the read should go straight to the store (ReadDirect).
  // `streamed`: whether the read continued a sequential stream.
  Result<std::vector<std::shared_ptr<Fetch>>> CachedBlocks(uint64_t offset, uint64_t length,
                                                           bool* streamed);
  Result<size_t> ReadDirect(uint64_t offset, std::span<std::byte> out);
  // The bytes of [offset, offset + length) in `blocks` (from CachedBlocks), in
  // order: one slice per run of neighbouring blocks in the same fetch.
  struct Slice {
    std::span<const std::byte> bytes;
    size_t block;  // index in `blocks` of the fetch holding them
  };
  std::vector<Slice> SlicesOf(uint64_t offset, uint64_t length,
                              const std::vector<std::shared_ptr<Fetch>>& blocks) const;

  // Updates the stream this read belongs to; returns the readahead range to
  // issue ([from, to), empty for random reads) and whether the read is sequential.
  bool TrackStream(uint64_t offset, uint64_t length, uint64_t* ra_from, uint64_t* ra_to);
  // Issues part-aligned speculative fetches for missing blocks in [from, to);
  // returns where it stopped (short of `to` when the budget is full).
  uint64_t IssueSpeculative(uint64_t from, uint64_t to);

  // What a fetch needs; shared with pool tasks, which may outlive this reader
  // (never the ClientCore: its destructor drains the pool first).
  struct Target {
    BlockCache* cache;
    std::shared_ptr<ObjectStore> store;
    std::string key;
    ObjectInfo info;
    ReadConditions pin;  // ReadConditions::PinnedTo(info): every data request carries it
    uint64_t object_id;
    uint64_t block_size;
    Tiers tiers;  // none: no block tiers for this object (local files)
    DiskObject disk_object;
    // Downloads the fetch's range (pinned to the ETag), publishes the result,
    // and drops its blocks from the cache when it failed.
    void Run(Fetch& fetch) const;
  };
  static std::shared_ptr<const Target> MakeTarget(ClientCore& core,
                                                  std::shared_ptr<ObjectStore> store,
                                                  std::string key, ObjectInfo info);

  // Format-aware prefetch (object_reader_plan.cpp): a read at offset 0 of a
  // .safetensors file parses its header from the bytes read and starts a
  // PrefetchPlan; later reads in the data region move it along.
  // kDisabled: DisableFormatPrefetch before a plan (the caller reads exactly).
  enum PlanState : int { kNoPlan, kArmed, kStarting, kPlanned, kDisabled };
  // The plan, or null; an armed reader adopts the plan another File of the
  // same version started (PlanRegistry). Thread-safe.
  std::shared_ptr<prefetch::PrefetchPlan> Plan();
  // Whether a read of [offset, offset + length) starts the plan: a safetensors
  // header read at 0 through the cache (a direct read of the whole object
  // needs none), or a read of a checkpoint zip's last bytes that is not the
  // end of a sequential stream (a cat needs none).
  bool StartsPlan(uint64_t offset, uint64_t length, bool direct, bool streamed) const;
  // After such a read of `bytes` at `offset`. Never fails: a header or
  // directory that does not parse just means no plan.
  void MaybeStartPlan(uint64_t offset, std::span<const std::byte> bytes);
  Result<safetensors::Header> ReadSafetensorsHeader(std::span<const std::byte> first);
  Result<safetensors::Header> ReadGgufHeader(std::span<const std::byte> first);
  Result<safetensors::Header> ReadTorchZipHeader(std::span<const std::byte> tail);
  void StartPlan(safetensors::Header header);
  // After a read at offset 0 of a shard index: starts the header reads of its
  // shards, once per Client (shard_warm.hpp).
  void MaybeWarmShards();
  // Tells the plan about a read and starts what it wants fetched.
  void PlanRead(prefetch::PrefetchPlan& plan, uint64_t offset, uint64_t length);
  // Starts the chunks `plan` wants, as speculative fetches on the io pool;
  // each one's completion pumps again. Static: pool tasks outlive the reader.
  static void PumpPlan(ClientCore& core, const std::shared_ptr<const Target>& target,
                       const std::shared_ptr<prefetch::PrefetchPlan>& plan);
  // Registers and starts the fetches of the blocks of `chunk` not cached yet;
  // each completion pumps `plan` again (none: PrefetchHead).
  static prefetch::IssueResult IssueChunk(ClientCore& core,
                                          const std::shared_ptr<const Target>& target,
                                          const std::shared_ptr<prefetch::PrefetchPlan>& plan,
                                          ByteRange chunk);

  std::shared_ptr<ClientCore> core_;
  std::shared_ptr<const Target> target_;
  const ObjectInfo& info_;
  BlockCache& cache_;
  const uint64_t object_id_;
  const uint64_t block_size_;
  const uint64_t part_size_;  // a multiple of block_size_
  const uint64_t direct_threshold_;
  const uint64_t max_window_;

  const PlanFormat plan_format_;
  std::atomic<int> plan_state_{kNoPlan};
  std::shared_ptr<prefetch::PrefetchPlan> plan_;  // set once, before plan_state_ = kPlanned

  std::mutex streams_mu_;
  std::vector<Stream> streams_;
  uint64_t clock_ = 0;
};

}  // namespace objectfs::internal
