// PrefetchPlan: what to fetch ahead of a reader of a safetensors file. The
// data region is one planned read in the order a loader consumes it (tensor
// names first; the byte order once the reads say so), cut into part-sized,
// block-aligned chunks. At most `window` bytes are fetched ahead of the tensor
// being read and at most `max_in_flight_bytes` are in flight, so the plan
// stays inside the memory budget and leaves GETs to the reader.
//
// The plan decides; its owner (the ObjectReader) fetches: Pump hands it the
// chunks to start, OnRead tells the plan where the reader is. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <vector>

#include "objectfs/safetensors.hpp"
#include "objectfs/store.hpp"
#include "prefetch/tensor_ranges.hpp"

namespace objectfs::internal::prefetch {

struct PlanConfig {
  uint64_t object_size = 0;
  uint64_t block_size = 64 << 10;            // the cache's blocks: chunks are made of whole ones
  uint64_t chunk_size = 8 << 20;             // part size: chunks never cross a multiple of it
  uint64_t window = 128 << 20;               // bytes fetched ahead of the reader's tensor
  int max_in_flight = 64;                    // fetches at once
  uint64_t max_in_flight_bytes = 128 << 20;  // bytes being fetched at once
  // Bytes of the next tensor in the file fetched with each run of tensors,
  // and bytes before each run fetched just ahead of it: what a mount's kernel
  // reads past a tensor's end and before its start (its owner knows how much).
  uint64_t lead_bytes = 0;
  uint64_t trail_bytes = 0;
  // How far past the tensor it went for a reader's own readahead may read
  // (a mount's kernel): reads that far on say nothing about the order.
  uint64_t reader_overshoot = 0;
};

// What the owner did with a chunk handed to it.
struct IssueResult {
  int started = 0;       // fetches now in flight (each reported with OnFetchDone)
  uint64_t bytes = 0;    // their bytes
  bool no_room = false;  // the budget refused: stop until the reader moves on
};
using IssueFn = std::function<IssueResult(ByteRange chunk)>;

class PrefetchPlan {
 public:
  PrefetchPlan(safetensors::Header header, PlanConfig config);

  // Starts chunks until the window or the in-flight limit is reached.
  void Pump(const IssueFn& issue);
  // A read of [offset, offset + length): moves the plan to the reader's
  // tensor (and to the byte order when the reader follows it). Bytes read
  // once are never fetched by the plan again: a mount's kernel reads ahead
  // past a tensor into its neighbour and keeps those pages.
  void OnRead(uint64_t offset, uint64_t length);
  // One fetch of `bytes` started by Pump finished (or failed).
  void OnFetchDone(uint64_t bytes);

  // Whether [offset, ...) is in the data region (the plan's business).
  bool Covers(uint64_t offset) const {
    return offset >= header_.data_offset && offset - header_.data_offset < header_.data_size;
  }
  Order order() const;
  const safetensors::Header& header() const { return header_; }

 private:
  struct Chunk {
    ByteRange range;
    bool issued = false;  // handed to the owner (or found present, or read directly)
  };
  // Where a reader of one order is: the position of the tensor it went to
  // last (SIZE_MAX: before the first).
  struct Track {
    std::vector<size_t> order;     // tensor indexes in this order
    std::vector<size_t> position;  // tensor index -> position in `order`
    size_t at = SIZE_MAX;
    // Whether `tensor` comes a few places after `at`.
    bool Follows(size_t tensor) const;
  };
  // Reads that continue one another: a reader's own readahead (or a
  // sequential reader). A read that continues none is a jump: the reader's
  // choice of the next tensor.
  struct Run {
    uint64_t begin = 0;
    uint64_t end = 0;
    uint64_t quiet_end = 0;  // reads up to here are readahead past the reader's tensor
    uint64_t used = 0;
    size_t last = 0;  // offset-order position of the last tensor it reached
  };
  // The tensors a read touched: offset-order positions of the first and the
  // last, and the one the reader most likely went for.
  struct Touched {
    size_t first;
    size_t last;
    size_t reader;
  };

  // The run that [offset, end) continues (extended to it), or nullptr.
  Run* ContinuedRunLocked(uint64_t offset, uint64_t end);
  void OnJumpLocked(uint64_t offset, uint64_t end, const Touched& touched);
  void OnContinueLocked(Run& run, uint64_t end, const Touched& touched);
  size_t ReaderTensor(uint64_t offset, uint64_t end) const;
  // The touched tensor that follows `track`'s order (nearest first), or SIZE_MAX.
  size_t Follower(const Track& track, const Touched& touched) const;
  // The name order took the reader to `tensor`: readahead past it is quiet.
  void MoveByNameLocked(size_t tensor, Run& run);
  // Records one vote (+1 name, -1 bytes, 0 neither); true when it switched
  // orders (and rebuilt the chunks from the reader's place in the new one).
  bool VoteLocked(int vote);
  // The plan follows the reader to `tensor` of the current order, from
  // position `before` in it.
  void MoveCursorLocked(size_t tensor, size_t before);
  void RecordReadLocked(uint64_t begin, uint64_t end);

  // The chunks of the current order from position `from` on.
  void BuildLocked(size_t from);
  // The parts of `chunk` not read yet, widened to whole blocks.
  std::vector<ByteRange> UnreadLocked(ByteRange chunk) const;
  // Whether every byte of `chunk` has been read.
  bool ReadThroughLocked(ByteRange chunk) const;
  // The offset-sorted index of the non-empty tensor holding byte `offset`.
  size_t TensorAt(uint64_t offset) const;
  Track& CurrentLocked() { return kind_ == Order::kName ? by_name_ : by_offset_; }

  const safetensors::Header header_;
  const PlanConfig config_;
  std::vector<uint64_t> shared_blocks_;  // blocks holding two tensors: sorted, unique
  std::vector<uint64_t> starts_;         // absolute first byte of each tensor, offset order

  mutable std::mutex mu_;
  Order kind_ = Order::kName;
  Track by_name_;
  Track by_offset_;
  std::vector<Chunk> chunks_;
  std::vector<size_t> first_chunk_;  // position in the current order -> first chunk (or SIZE_MAX)
  size_t cursor_ = 0;                // first chunk of the reader's tensor
  size_t first_unissued_ = 0;        // chunks before it are all issued
  size_t skipped_from_ = 0;          // first chunk of the tensors the last move skipped
  int in_flight_ = 0;
  uint64_t in_flight_bytes_ = 0;
  std::map<uint64_t, uint64_t> read_;  // bytes read so far: begin -> end, disjoint
  std::vector<Run> runs_;              // the most recently used few
  uint64_t clock_ = 0;
  // The last moves of the reader: which order each followed (+1 name, -1 bytes, 0 both or neither).
  int votes_[8] = {};
  size_t vote_at_ = 0;
};

}  // namespace objectfs::internal::prefetch
