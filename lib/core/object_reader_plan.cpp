// The format-aware prefetch of an ObjectReader: the header of a .safetensors
// file, read at offset 0 like any other bytes, becomes a PrefetchPlan whose
// chunks are speculative fetches in the shared BlockCache (so within the one
// memory budget, pinned like every read, counted as prefetch_bytes).
#include <algorithm>
#include <cstring>

#include "core/client_core.hpp"
#include "core/object_reader.hpp"
#include "core/shard_warm.hpp"
#include "objectfs/safetensors.hpp"
#include "prefetch/gguf.hpp"
#include "prefetch/shard_index.hpp"
#include "prefetch/torch_zip.hpp"

namespace objectfs::internal {

PlanFormat PlanFormatOf(const ReadOptions& options, std::string_view key) {
  if (options.prefetch_formats != "auto") return PlanFormat::kNone;
  if (key.ends_with(".safetensors")) return PlanFormat::kSafetensors;
  if (prefetch::IsTorchCheckpointName(key)) return PlanFormat::kTorchZip;
  if (prefetch::IsGgufName(key)) return PlanFormat::kGguf;
  return PlanFormat::kNone;
}

void ObjectReader::MaybeWarmShards() {
  constexpr uint64_t kMaxIndexBytes = 16 << 20;  // published indexes are tens of KiB
  if (core_->options().read.prefetch_formats != "auto" || !prefetch::IsShardIndex(target_->key) ||
      info_.size > kMaxIndexBytes || !core_->plans().FirstIndexOpen(object_id_)) {
    return;
  }
  WarmShardHeaders(*core_, target_->store, target_->key, info_);
}

std::shared_ptr<prefetch::PrefetchPlan> ObjectReader::Plan() {
  int state = plan_state_.load(std::memory_order_acquire);
  if (state == kArmed) {
    // Another File of this version may have read the header: use its plan.
    if (auto found = core_->plans().Find(object_id_)) {
      if (plan_state_.compare_exchange_strong(state, kStarting)) {
        plan_ = std::move(found);
        plan_state_.store(kPlanned, std::memory_order_release);
      }
      state = plan_state_.load(std::memory_order_acquire);
    }
  }
  return state == kPlanned ? plan_ : nullptr;
}

void ObjectReader::DisablePlan() {
  // This File stops taking part; the plan goes on for the others.
  for (int state = plan_state_.load(); state == kArmed || state == kPlanned;) {
    if (plan_state_.compare_exchange_weak(state, kDisabled)) return;
  }
}

bool ObjectReader::StartsPlan(uint64_t offset, uint64_t length, bool direct, bool streamed) const {
  if (plan_state_.load(std::memory_order_relaxed) != kArmed) return false;
  switch (plan_format_) {
    case PlanFormat::kSafetensors:
    case PlanFormat::kGguf:
      return offset == 0 && !direct;
    case PlanFormat::kTorchZip:
      return offset + length == info_.size && !streamed;
    case PlanFormat::kNone:
      break;
  }
  return false;
}

void ObjectReader::MaybeStartPlan(uint64_t offset, std::span<const std::byte> bytes) {
  int armed = kArmed;
  if (!plan_state_.compare_exchange_strong(armed, kStarting)) return;
  Result<safetensors::Header> header = InvalidArgument("no plan");
  switch (plan_format_) {
    case PlanFormat::kSafetensors:
      if (offset == 0) header = ReadSafetensorsHeader(bytes);
      break;
    case PlanFormat::kGguf:
      if (offset == 0) header = ReadGgufHeader(bytes);
      break;
    case PlanFormat::kTorchZip:
      header = ReadTorchZipHeader(bytes);
      break;
    case PlanFormat::kNone:
      break;
  }
  if (!header.ok() || header->tensors.empty()) {
    plan_state_.store(kNoPlan, std::memory_order_release);
    return;
  }
  StartPlan(std::move(*header));
}

Result<safetensors::Header> ObjectReader::ReadSafetensorsHeader(std::span<const std::byte> first) {
  // Only the bytes at hand, and at most one more read for a long header.
  OBJECTFS_ASSIGN_OR_RETURN(const uint64_t length,
                            safetensors::ParseHeaderLength(first, info_.size));
  std::vector<std::byte> more;
  if (8 + length > first.size()) {
    more.resize(static_cast<size_t>(8 + length));
    std::memcpy(more.data(), first.data(), first.size());
    OBJECTFS_ASSIGN_OR_RETURN(const size_t n,
                              Read(first.size(), std::span(more).subspan(first.size())));
    if (n != more.size() - first.size()) return DataLoss("short header read");
    first = more;
  }
  return safetensors::ParseHeader(
      std::string_view(reinterpret_cast<const char*>(first.data()) + 8, length), info_.size);
}

Result<safetensors::Header> ObjectReader::ReadGgufHeader(std::span<const std::byte> first) {
  // The header says nothing of its length: read on, four times as much each
  // time (at least 1 MiB), until the tensor infos end.
  std::vector<std::byte> more;
  std::span<const std::byte> head = first;
  for (;;) {
    Result<safetensors::Header> header = prefetch::GgufHeader(head, info_.size);
    if (header.ok() || header.status().code() != StatusCode::kOutOfRange ||
        head.size() >= info_.size) {
      return header;
    }
    const uint64_t want = std::min(
        {info_.size, prefetch::kMaxGgufHeader, std::max<uint64_t>(4 * head.size(), 1 << 20)});
    if (want <= head.size()) return header;
    std::vector<std::byte> next(static_cast<size_t>(want));
    std::memcpy(next.data(), head.data(), head.size());
    OBJECTFS_ASSIGN_OR_RETURN(const size_t n,
                              Read(head.size(), std::span(next).subspan(head.size())));
    if (n != next.size() - head.size()) return DataLoss("short gguf header read");
    more = std::move(next);
    head = more;
  }
}

Result<safetensors::Header> ObjectReader::ReadTorchZipHeader(std::span<const std::byte> tail) {
  // torch.load reads the central directory first: at most one more read for
  // the part of it not at hand (a directory is ~100 bytes per record).
  constexpr uint64_t kMaxDirectory = 256 << 20;
  OBJECTFS_ASSIGN_OR_RETURN(const auto where, prefetch::FindZipDirectory(tail, info_.size));
  if (where.size > kMaxDirectory) return InvalidArgument("a central directory over 256 MiB");
  const uint64_t tail_offset = info_.size - tail.size();
  if (where.offset >= tail_offset) {
    return prefetch::TorchZipHeader(tail.subspan(where.offset - tail_offset, where.size), where,
                                    info_.size);
  }
  std::vector<std::byte> directory(where.size);
  OBJECTFS_ASSIGN_OR_RETURN(const size_t n, Read(where.offset, directory));
  if (n != directory.size()) return DataLoss("short central directory read");
  return prefetch::TorchZipHeader(directory, where, info_.size);
}

void ObjectReader::StartPlan(safetensors::Header header) {
  prefetch::PlanConfig config;
  config.object_size = info_.size;
  config.block_size = block_size_;
  config.chunk_size = part_size_;
  config.window = max_window_;
  // A mount's kernel reads on past a tensor's end by its readahead window and
  // the async window after it (2 x 1 MiB), and an mmap fault's read-around
  // starts half a window before the page; a request waits for all its bytes.
  // Where no kernel reads them at once those bytes wait in the cache for a
  // tensor read later: only where half the budget holds them all.
  constexpr uint64_t kLead = 2 << 20, kTrail = 512 << 10;
  config.reader_overshoot = kLead + kTrail;
  if (header.tensors.size() * (kLead + kTrail) <= cache_.budget() / 2) {
    config.lead_bytes = kLead;
    config.trail_bytes = kTrail;
  }
  // As many bytes in flight as the parallel GETs carry; small fetches (a block
  // shared by two tensors) take no GET's worth.
  config.max_in_flight = 4 * std::max(1, core_->options().read.max_parallel_requests);
  config.max_in_flight_bytes =
      part_size_ * static_cast<uint64_t>(std::max(1, core_->options().read.max_parallel_requests));
  auto made = std::make_shared<prefetch::PrefetchPlan>(std::move(header), config);
  plan_ = core_->plans().Add(object_id_, made);
  plan_state_.store(kPlanned, std::memory_order_release);
  if (plan_ == made) Add(core_->stats().prefetch_plans);
  PumpPlan(*core_, target_, plan_);
}

void ObjectReader::PlanRead(prefetch::PrefetchPlan& plan, uint64_t offset, uint64_t length) {
  plan.OnRead(offset, length);
  PumpPlan(*core_, target_, plan_);
}

void ObjectReader::PumpPlan(ClientCore& core, const std::shared_ptr<const Target>& target,
                            const std::shared_ptr<prefetch::PrefetchPlan>& plan) {
  plan->Pump([&](ByteRange chunk) { return IssueChunk(core, target, plan, chunk); });
}

prefetch::IssueResult ObjectReader::IssueChunk(ClientCore& core,
                                               const std::shared_ptr<const Target>& target,
                                               const std::shared_ptr<prefetch::PrefetchPlan>& plan,
                                               ByteRange chunk) {
  BlockCache& cache = *target->cache;
  const uint64_t block_size = target->block_size;
  prefetch::IssueResult result;
  uint64_t block = chunk.offset / block_size;
  const uint64_t end_block =
      (std::min(chunk.end(), target->info.size) + block_size - 1) / block_size;
  while (block < end_block) {
    if (cache.Contains(target->object_id, block)) {
      ++block;
      continue;
    }
    // From the block just found missing, not checked again (see IssueSpeculative).
    const uint64_t first = block++;
    while (block < end_block && !cache.Contains(target->object_id, block)) ++block;
    const uint64_t offset = first * block_size;
    const uint64_t length = std::min(block * block_size, target->info.size) - offset;
    auto fetch = cache.Register(target->object_id, first, block - first, offset, length,
                                /*speculative=*/true);
    if (fetch == nullptr) {
      result.no_room = true;  // the reader's blocks come first; try again when it moves
      return result;
    }
    Add(core.stats().prefetch_bytes, length);
    ++result.started;
    result.bytes += length;
    core.io_pool().Submit(
        [&core, target, fetch, weak = std::weak_ptr<prefetch::PrefetchPlan>(plan)] {
          target->Run(*fetch);
          if (auto live = weak.lock()) {
            live->OnFetchDone(fetch->length());
            PumpPlan(core, target, live);
          }
        });
  }
  return result;
}

}  // namespace objectfs::internal
