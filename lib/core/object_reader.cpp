#include "core/object_reader.hpp"

#include <algorithm>

#include "core/client_core.hpp"

namespace objectfs::internal {
namespace {

constexpr size_t kMaxStreams = 8;
// Reads this close to a stream's expected offset still count as sequential:
// the kernel and thread pools reorder nearby requests.
constexpr uint64_t kSequentialSlack = 1ull << 20;

uint64_t RoundUp(uint64_t value, uint64_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

// Local files are not copied into the block tiers: they are local already.
Tiers TiersFor(ClientCore& core, ObjectStore& store) {
  if (store.Capabilities().local) return {};
  return core.tiers_for_remote();
}

}  // namespace

std::shared_ptr<const ObjectReader::Target> ObjectReader::MakeTarget(
    ClientCore& core, std::shared_ptr<ObjectStore> store, std::string key, ObjectInfo info) {
  const uint64_t object_id = core.cache().ObjectId(store->Describe() + '\n' + key + '\n' +
                                                   info.etag + '\n' + info.version);
  DiskObject disk{
      DiskCache::Identity(store->CacheNamespace(), key, info.etag + '\n' + info.version, info.size),
      info.size};
  Tiers tiers = TiersFor(core, *store);
  ReadConditions pin = ReadConditions::PinnedTo(info);
  return std::make_shared<const Target>(Target{&core.cache(), std::move(store), std::move(key),
                                               std::move(info), std::move(pin), object_id,
                                               core.cache().block_size(), tiers, std::move(disk)});
}

void ObjectReader::PrefetchHead(ClientCore& core, std::shared_ptr<ObjectStore> store,
                                std::string key, ObjectInfo info, uint64_t bytes) {
  // The plan's chunk fetch without a plan: nothing to pump when it completes.
  auto target = MakeTarget(core, std::move(store), std::move(key), std::move(info));
  IssueChunk(core, target, nullptr, {0, std::min(bytes, target->info.size)});
}

ObjectReader::ObjectReader(std::shared_ptr<ClientCore> core, std::shared_ptr<ObjectStore> store,
                           std::string key, ObjectInfo info)
    : core_(std::move(core)),
      target_(MakeTarget(*core_, std::move(store), std::move(key), std::move(info))),
      info_(target_->info),
      cache_(core_->cache()),
      object_id_(target_->object_id),
      block_size_(target_->block_size),
      // Readahead GETs of whole tier blocks fill the tiers as they go.
      part_size_(RoundUp(RoundUp(std::max<uint64_t>(core_->options().read.part_size, 1),
                                 target_->tiers.block_size()),
                         block_size_)),
      direct_threshold_(core_->options().read.direct_read_threshold
                            ? core_->options().read.direct_read_threshold
                            : part_size_),
      // Leave room for other streams and for demand reads. A window wider than
      // the GETs in flight can carry only holds fresh memory (page faults) early.
      max_window_(std::max<uint64_t>(
          block_size_,
          std::min({core_->options().read.max_readahead, cache_.budget() / 2,
                    part_size_ * std::max(1, core_->options().read.max_parallel_requests)}))),
      plan_format_(PlanFormatOf(core_->options().read, target_->key)) {
  if (plan_format_ != PlanFormat::kNone) plan_state_.store(kArmed);
}

bool ObjectReader::TrackStream(uint64_t offset, uint64_t length, uint64_t* ra_from,
                               uint64_t* ra_to) {
  const uint64_t end = offset + length;
  std::lock_guard lock(streams_mu_);
  ++clock_;
  Stream* stream = nullptr;
  for (auto& s : streams_) {
    // The kernel's readahead arrives as many reads at once, handled out of
    // order: one landing anywhere in what the stream already requested, or
    // up to a window behind where it got to, continues it. A random reader's
    // window and requests stay at its last read, so it keeps the 1 MiB slack.
    const uint64_t behind = std::max(kSequentialSlack, s.window);
    const uint64_t ahead = std::max(s.next_offset, s.requested_end) + kSequentialSlack;
    if (offset + behind >= s.next_offset && offset <= ahead) {
      stream = &s;
      break;
    }
  }
  // With a disk tier, readahead starts at a whole part: ramp-up fetches
  // smaller than a block would each fetch (and store) that block again.
  const uint64_t initial =
      std::min(target_->tiers.any() ? std::max(core_->options().read.initial_readahead, part_size_)
                                    : core_->options().read.initial_readahead,
               max_window_);
  bool sequential = true;
  if (stream != nullptr) {
    // Two reads in a row before readahead starts: one random read landing
    // near a stream by chance must not trigger it.
    sequential = ++stream->hits >= 2 || stream->requested_end > stream->next_offset;
    if (sequential) stream->window = std::min(stream->window * 2, max_window_);
  } else {
    if (streams_.size() < kMaxStreams) {
      stream = &streams_.emplace_back();
    } else {
      stream = &*std::min_element(
          streams_.begin(), streams_.end(),
          [](const Stream& a, const Stream& b) { return a.last_used < b.last_used; });
    }
    *stream = Stream{end, initial, end, 0, 0};
    // A first read at 0 starts a scan more often than not; elsewhere it may
    // be random, and readahead would multiply the bytes fetched.
    sequential = offset == 0;
  }
  stream->last_used = clock_;
  stream->next_offset = std::max(stream->next_offset, end);
  if (!sequential) return false;
  *ra_from = std::max(stream->requested_end, end);
  *ra_to = std::min(info_.size, end + stream->window);
  // Once the window spans parts, extend it a whole part at a time: topping it
  // up after every read would send a small GET per read.
  const uint64_t part_aligned = *ra_to / part_size_ * part_size_;
  if (*ra_to < info_.size && stream->window >= part_size_) *ra_to = part_aligned;
  if (*ra_to > *ra_from) stream->requested_end = *ra_to;
  return true;
}

uint64_t ObjectReader::IssueSpeculative(uint64_t from, uint64_t to) {
  uint64_t block = from / block_size_;
  const uint64_t end_block = (std::min(to, info_.size) + block_size_ - 1) / block_size_;
  while (block < end_block) {
    if (cache_.Contains(object_id_, block)) {
      ++block;
      continue;
    }
    // A run of missing blocks, cut at part boundaries so GETs stay part-sized.
    // It holds the block just found missing: checking that one again, a fetch
    // another reader registered in between left an empty run (a 0-byte GET).
    const uint64_t first = block++;
    const uint64_t part_end_block =
        (first * block_size_ / part_size_ + 1) * part_size_ / block_size_;
    while (block < end_block && block < part_end_block && !cache_.Contains(object_id_, block))
      ++block;
    const uint64_t offset = first * block_size_;
    const uint64_t length = std::min(block * block_size_, info_.size) - offset;
    auto fetch =
        cache_.Register(object_id_, first, block - first, offset, length, /*speculative=*/true);
    if (fetch == nullptr) return offset;  // budget full: the reader catches up first
    core_->io_pool().Submit([target = target_, fetch] { target->Run(*fetch); });
  }
  return to;
}

void ObjectReader::Target::Run(Fetch& fetch) const {
  auto n = ReadThroughTiers(tiers, *store, key, disk_object, {fetch.offset(), fetch.length()},
                            std::span(fetch.data(), fetch.length()), pin);
  Status status = n.ok() ? Status::Ok() : n.status();
  if (n.ok() && *n != fetch.length()) {
    status = DataLoss("'" + key + "': part at offset " + std::to_string(fetch.offset()) +
                      " arrived short twice although the ETag is unchanged");
  }
  if (!status.ok()) {
    cache->Forget(object_id, fetch.offset() / block_size,
                  (fetch.length() + block_size - 1) / block_size, &fetch);
  }
  fetch.Complete(std::move(status));
}

Result<size_t> ObjectReader::ReadDirect(uint64_t offset, std::span<std::byte> out) {
  return core_->ParallelRead(*target_->store, target_->key, target_->pin, offset, out,
                             target_->tiers.any() ? &target_->disk_object : nullptr);
}

Result<std::vector<std::shared_ptr<Fetch>>> ObjectReader::CachedBlocks(uint64_t offset,
                                                                       uint64_t length,
                                                                       bool* streamed) {
  using Blocks = std::vector<std::shared_ptr<Fetch>>;
  *streamed = false;
  const auto plan = Plan();
  if (length >= direct_threshold_) {
    // A large read goes straight to the store, unless a plan has fetched (or
    // is fetching) some of its bytes already: then they come from the cache.
    bool any_planned = false;
    if (plan && plan->Covers(offset)) {
      for (uint64_t b = offset / block_size_; b * block_size_ < offset + length && !any_planned;
           ++b) {
        any_planned = cache_.Contains(object_id_, b);
      }
    }
    if (!any_planned) {
      if (plan) PlanRead(*plan, offset, length);
      return Blocks{};
    }
  }
  const uint64_t end = offset + length;
  uint64_t ra_from = 0, ra_to = 0;
  const bool sequential = TrackStream(offset, length, &ra_from, &ra_to);
  *streamed = sequential;
  // In a planned data region the plan is the readahead: reads go through the
  // cache, where its chunks arrive, and blocks read leave it.
  const bool planned = plan && plan->Covers(offset);

  const uint64_t first_block = offset / block_size_;
  const uint64_t last_block = (end - 1) / block_size_;
  StatsCounters& stats = core_->stats();
  if (!sequential && !planned) {
    bool any_cached = false;
    for (uint64_t b = first_block; b <= last_block && !any_cached; ++b) {
      any_cached = cache_.Contains(object_id_, b);
    }
    // A random read with nothing cached fetches exactly its bytes: no
    // rounding to blocks, no fresh cache memory to fault in.
    if (!any_cached) {
      Add(stats.cache_misses, last_block - first_block + 1);
      return Blocks{};
    }
  }

  // Find or register the fetch behind every block of the read.
  Blocks fetches(last_block - first_block + 1);
  Blocks demand;
  // Blocks a stream has fully passed leave the cache. In a plan the reads
  // arrive in any order (the kernel's readahead, mmap read-around, the
  // readers of the two tensors sharing a block), so a block leaves once
  // reads have covered all of its bytes.
  auto passed = [&](uint64_t b) { return sequential && (b + 1) * block_size_ <= end; };
  auto covered = [&](uint64_t b) {
    return std::min(end, (b + 1) * block_size_) - std::max(offset, b * block_size_);
  };
  auto block_length = [&](uint64_t b) {
    return std::min(info_.size, (b + 1) * block_size_) - b * block_size_;
  };
  for (uint64_t b = first_block; b <= last_block;) {
    auto found = planned ? cache_.Consume(object_id_, b, covered(b), block_length(b))
                         : cache_.Lookup(
                               object_id_, b,
                               passed(b) ? BlockCache::Reuse::kConsumed : BlockCache::Reuse::kKeep);
    if (found) {
      Add(stats.cache_hits);
      Add(stats.cache_hit_bytes,
          std::min(end, (b + 1) * block_size_) - std::max(offset, b * block_size_));
      fetches[b - first_block] = std::move(found);
      ++b;
      continue;
    }
    uint64_t run_end = b + 1;
    while (run_end <= last_block && !cache_.Contains(object_id_, run_end)) ++run_end;
    Add(stats.cache_misses, run_end - b);
    const uint64_t run_offset = b * block_size_;
    const uint64_t run_length = std::min(run_end * block_size_, info_.size) - run_offset;
    auto fetch =
        cache_.Register(object_id_, b, run_end - b, run_offset, run_length, /*speculative=*/false);
    for (uint64_t i = b; i < run_end; ++i) fetches[i - first_block] = fetch;
    demand.push_back(std::move(fetch));
    b = run_end;
  }
  if (planned) PlanRead(*plan, offset, length);
  // A header read of a format file leaves the readahead to the plan, or to
  // the caller that turned the plan off because it reads exactly.
  const int state = plan_state_.load(std::memory_order_relaxed);
  const bool header_read =
      offset == 0 && HeaderAtStart(plan_format_) && (state == kArmed || state == kDisabled);
  if (sequential && ra_to > ra_from && !planned && !header_read) {
    const uint64_t reached = IssueSpeculative(ra_from, ra_to);
    if (reached < ra_to) {
      std::lock_guard lock(streams_mu_);
      for (auto& s : streams_) {
        if (s.requested_end == ra_to) s.requested_end = reached;
      }
    }
  }
  // Demand fetches run on this thread: no queueing behind readahead.
  for (auto& fetch : demand) target_->Run(*fetch);
  for (const auto& fetch : fetches) {
    if (Status status = fetch->Wait(); !status.ok()) return status;
  }
  // In a plan, the reader's own misses count as read like the plan's blocks:
  // kept, they would push out the plan's next chunks.
  if (planned) {
    for (const auto& fetch : demand) {
      const uint64_t from = fetch->offset() / block_size_;
      const uint64_t to = std::min(
          last_block + 1, (fetch->offset() + fetch->length() + block_size_ - 1) / block_size_);
      for (uint64_t b = from; b < to; ++b) {
        cache_.Consume(object_id_, b, covered(b), block_length(b), fetch.get());
      }
    }
  }
  return fetches;
}

std::vector<ObjectReader::Slice> ObjectReader::SlicesOf(
    uint64_t offset, uint64_t length, const std::vector<std::shared_ptr<Fetch>>& blocks) const {
  std::vector<Slice> slices;
  const uint64_t first_block = offset / block_size_;
  const uint64_t end = offset + length;
  for (size_t i = 0; i < blocks.size();) {
    size_t j = i + 1;
    while (j < blocks.size() && blocks[j] == blocks[i]) ++j;
    const uint64_t from = std::max(offset, (first_block + i) * block_size_);
    const uint64_t to = std::min(end, (first_block + j) * block_size_);
    slices.push_back(
        {std::span<const std::byte>(blocks[i]->data() + (from - blocks[i]->offset()), to - from),
         i});
    i = j;
  }
  return slices;
}

Result<size_t> ObjectReader::Read(uint64_t offset, std::span<std::byte> out) {
  if (offset == 0) MaybeWarmShards();
  bool streamed = false;
  OBJECTFS_ASSIGN_OR_RETURN(auto blocks, CachedBlocks(offset, out.size(), &streamed));
  size_t n = out.size();
  if (blocks.empty()) {
    OBJECTFS_ASSIGN_OR_RETURN(n, ReadDirect(offset, out));
  } else {
    std::byte* next = out.data();
    for (const Slice& slice : SlicesOf(offset, out.size(), blocks)) {
      next = std::copy(slice.bytes.begin(), slice.bytes.end(), next);
    }
  }
  if (StartsPlan(offset, n, blocks.empty(), streamed)) MaybeStartPlan(offset, out.first(n));
  return n;
}

Result<PinnedBytes> ObjectReader::ReadPinned(uint64_t offset, uint64_t length) {
  if (offset == 0) MaybeWarmShards();
  bool streamed = false;
  OBJECTFS_ASSIGN_OR_RETURN(auto blocks, CachedBlocks(offset, length, &streamed));
  PinnedBytes pinned;
  if (blocks.empty()) {
    std::shared_ptr<std::byte[]> buffer(new std::byte[length]);
    OBJECTFS_ASSIGN_OR_RETURN(size_t n, ReadDirect(offset, std::span(buffer.get(), length)));
    pinned.slices_.emplace_back(buffer.get(), n);
    pinned.owners_.push_back(std::move(buffer));
    if (StartsPlan(offset, n, true, streamed)) MaybeStartPlan(offset, pinned.slices_[0]);
    return pinned;
  }
  for (const Slice& slice : SlicesOf(offset, length, blocks)) {
    pinned.slices_.push_back(slice.bytes);
    pinned.owners_.push_back(std::move(blocks[slice.block]));
  }
  if (StartsPlan(offset, length, false, streamed)) {
    std::vector<std::byte> bytes;
    bytes.reserve(length);
    for (const auto& slice : pinned.slices_) bytes.insert(bytes.end(), slice.begin(), slice.end());
    MaybeStartPlan(offset, bytes);
  }
  return pinned;
}

Result<WarmCounts> ObjectReader::WarmDisk(ByteRange range) {
  if (!target_->tiers.any()) {
    return InvalidArgument(
        core_->disk_cache() != nullptr || core_->shared_tier() != nullptr
            ? "local files are not copied into the disk cache"
            : "no disk cache is configured (set cache_dir or OBJECTFS_CACHE_DIR, or "
              "shared_cache)");
  }
  return WarmBlocks(target_->tiers, *target_->store, target_->key, target_->disk_object, range,
                    target_->pin);
}

void ObjectReader::Prefetch(ByteRange range) {
  if (range.offset >= info_.size) return;
  IssueSpeculative(range.offset, std::min(range.end(), info_.size));
}

}  // namespace objectfs::internal
