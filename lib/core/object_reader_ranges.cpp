// ObjectReader::ReadRanges: exactly the ranges asked for, as part-sized
// pieces run in parallel on the io pool, each straight into the caller's
// buffer (through the block tiers when there are any). No readahead and no
// memory-cache fill: a subset loader's bytes fetched are its bytes asked for.
#include <condition_variable>
#include <mutex>

#include "core/client_core.hpp"
#include "core/object_reader.hpp"

namespace objectfs::internal {

Status ObjectReader::ReadRanges(std::span<const ByteRange> ranges,
                                std::span<const std::span<std::byte>> outs) {
  struct Piece {
    ByteRange range;
    std::span<std::byte> into;
  };
  // Pieces never cross a part (or tier block) boundary of the object.
  const uint64_t part = target_->tiers.any() ? target_->tiers.block_size() : part_size_;
  std::vector<Piece> pieces;
  for (size_t i = 0; i < ranges.size(); ++i) {
    const ByteRange& range = ranges[i];
    for (uint64_t from = range.offset; from < range.end();) {
      const uint64_t to = std::min(range.end(), (from / part + 1) * part);
      pieces.push_back({{from, to - from},
                        outs[i].subspan(static_cast<size_t>(from - range.offset),
                                        static_cast<size_t>(to - from))});
      from = to;
    }
  }
  auto read_piece = [target = target_.get()](const Piece& piece) -> Status {
    auto n = ReadThroughTiers(target->tiers, *target->store, target->key, target->disk_object,
                              piece.range, piece.into, target->pin);
    if (!n.ok()) return n.status();
    if (*n != piece.range.length) {
      return DataLoss("'" + target->key + "': range at offset " +
                      std::to_string(piece.range.offset) +
                      " arrived short twice although the ETag is unchanged");
    }
    return Status::Ok();
  };
  if (pieces.size() == 1) return read_piece(pieces[0]);

  struct Shared {
    std::mutex mu;
    std::condition_variable done;
    size_t remaining = 0;
    Status first_error;
  } shared;
  shared.remaining = pieces.size();
  for (const Piece& piece : pieces) {
    core_->io_pool().Submit([&shared, &read_piece, piece] {
      bool skip;
      {
        std::lock_guard lock(shared.mu);
        skip = !shared.first_error.ok();  // after a failure the rest is not fetched
      }
      Status status = skip ? Status::Ok() : read_piece(piece);
      std::lock_guard lock(shared.mu);
      if (!status.ok() && shared.first_error.ok()) shared.first_error = std::move(status);
      if (--shared.remaining == 0) shared.done.notify_one();
    });
  }
  std::unique_lock lock(shared.mu);
  shared.done.wait(lock, [&] { return shared.remaining == 0; });
  return shared.first_error;
}

}  // namespace objectfs::internal
