#include "core/disk_tier.hpp"

#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include "cache/buffer_pool.hpp"
#include "core/client_core.hpp"

namespace objectfs::internal {

namespace {

// One whole block into `out` (its exact length): from the shared tier when it
// holds a verified copy (in a cooperative fleet, once the rank that fetches it
// has published it), else from the origin (then published); stored in the
// disk cache either way. A failed disk store (no room) is counted, harmless.
Status FetchBlock(const Tiers& tiers, ObjectStore& store, std::string_view key,
                  const DiskObject& object, uint64_t block, std::span<std::byte> out,
                  const ReadConditions& conditions) {
  const uint64_t start = block * tiers.block_size();
  SharedTier* const shared = tiers.shared;
  const bool from_tier =
      shared != nullptr &&
      (shared->Read(object.identity, block, out) ||
       (!shared->Owns(object.identity, block) && shared->WaitFor(object.identity, block, out)));
  if (!from_tier) {
    OBJECTFS_ASSIGN_OR_RETURN(size_t n, ReadPart(store, key, {start, out.size()}, out, conditions));
    if (n != out.size()) {
      return DataLoss("'" + std::string(key) + "': block at offset " + std::to_string(start) +
                      " arrived short twice");
    }
    if (tiers.shared != nullptr) tiers.shared->Publish(object.identity, block, out);
  }
  if (tiers.disk != nullptr) (void)tiers.disk->Write(object.identity, block, out);
  return Status::Ok();
}

// The bytes [at, at + piece) of a block of `block_length` bytes, fetched
// whole (FetchBlock, straight into `piece` when it is the whole block), once
// however many callers miss in it at the same time.
Status FetchPiece(const Tiers& tiers, ObjectStore& store, std::string_view key,
                  const DiskObject& object, uint64_t block, uint64_t block_length, uint64_t at,
                  std::span<std::byte> piece, const ReadConditions& conditions) {
  std::optional<BlockFlights::Ticket> ticket;
  if (tiers.flights != nullptr) {
    ticket.emplace(tiers.flights->Join(object.identity + '\n' + std::to_string(block), at, piece));
    if (ticket->copied()) return Status::Ok();
  }
  UniqueBuffer temporary;
  std::span<std::byte> whole = piece;
  if (piece.size() != block_length) {
    temporary.reset(AllocateBuffer(block_length));
    whole = std::span<std::byte>(temporary.get(), block_length);
  }
  OBJECTFS_RETURN_IF_ERROR(FetchBlock(tiers, store, key, object, block, whole, conditions));
  if (whole.data() != piece.data()) std::memcpy(piece.data(), whole.data() + at, piece.size());
  if (ticket) ticket->Land(whole);
  return Status::Ok();
}

}  // namespace

Result<size_t> ReadThroughTiers(const Tiers& tiers, ObjectStore& store, std::string_view key,
                                const DiskObject& object, ByteRange range, std::span<std::byte> out,
                                const ReadConditions& conditions) {
  if (!tiers.any() || range.length == 0) return ReadPart(store, key, range, out, conditions);
  const uint64_t block_size = tiers.block_size();
  // Misses this large fetch their whole block, so that the block can be
  // stored: the ramp-up of a sequential reader, not small random reads.
  const uint64_t min_expand = std::max<uint64_t>(block_size / 8, 1);
  const uint64_t end = range.end();
  for (uint64_t pos = range.offset; pos < end;) {
    const uint64_t block = pos / block_size;
    const uint64_t block_start = block * block_size;
    const uint64_t block_length = std::min(block_size, object.size - block_start);
    const uint64_t piece_end = std::min(end, block_start + block_length);
    const size_t served = static_cast<size_t>(pos - range.offset);
    const std::span<std::byte> piece = out.subspan(served, piece_end - pos);
    if (tiers.disk != nullptr &&
        tiers.disk->Read(object.identity, block, block_length, pos - block_start, piece) ==
            DiskCache::ReadResult::kHit) {
      pos = piece_end;
      continue;
    }
    if (piece.size() >= min_expand || piece.size() == block_length) {
      OBJECTFS_RETURN_IF_ERROR(FetchPiece(tiers, store, key, object, block, block_length,
                                          pos - block_start, piece, conditions));
    } else {
      OBJECTFS_ASSIGN_OR_RETURN(size_t n,
                                ReadPart(store, key, {pos, piece.size()}, piece, conditions));
      if (n != piece.size()) return served + n;
    }
    pos = piece_end;
  }
  return static_cast<size_t>(range.length);
}

Result<WarmCounts> WarmBlocks(const Tiers& tiers, ObjectStore& store, std::string_view key,
                              const DiskObject& object, ByteRange range,
                              const ReadConditions& conditions) {
  const uint64_t block_size = tiers.block_size();
  const uint64_t end = std::min(range.end(), object.size);
  // Reused across calls: fresh memory for every block would cost page faults.
  thread_local UniqueBuffer buffer;
  thread_local uint64_t buffer_size = 0;
  if (buffer_size < block_size) {
    buffer.reset(AllocateBuffer(block_size));
    buffer_size = block_size;
  }
  WarmCounts counts;
  for (uint64_t block = range.offset / block_size; block * block_size < end; ++block) {
    const uint64_t block_start = block * block_size;
    const uint64_t block_length = std::min(block_size, object.size - block_start);
    const bool on_disk =
        tiers.disk == nullptr || tiers.disk->Contains(object.identity, block, block_length);
    const bool shared =
        tiers.shared == nullptr || tiers.shared->Contains(object.identity, block, block_length);
    if (on_disk && shared) {
      counts.bytes_cached += block_length;
      continue;
    }
    const std::span<std::byte> data(buffer.get(), block_length);
    const bool from_disk = tiers.disk != nullptr && on_disk &&
                           tiers.disk->Read(object.identity, block, block_length, 0, data) ==
                               DiskCache::ReadResult::kHit;
    const bool from_shared = !from_disk && tiers.shared != nullptr && shared &&
                             tiers.shared->Read(object.identity, block, data);
    if (!from_disk && !from_shared) {
      OBJECTFS_ASSIGN_OR_RETURN(
          size_t n, ReadPart(store, key, {block_start, block_length}, data, conditions));
      if (n != block_length) {
        return DataLoss("'" + std::string(key) + "': block at offset " +
                        std::to_string(block_start) + " arrived short twice");
      }
      counts.bytes_fetched += block_length;
    } else {
      counts.bytes_cached += block_length;
    }
    if (tiers.disk != nullptr && !on_disk) {
      OBJECTFS_RETURN_IF_ERROR(tiers.disk->Write(object.identity, block, data));
    }
    if (tiers.shared != nullptr && !shared) {
      OBJECTFS_RETURN_IF_ERROR(tiers.shared->Put(object.identity, block, data));
    }
  }
  return counts;
}

}  // namespace objectfs::internal
