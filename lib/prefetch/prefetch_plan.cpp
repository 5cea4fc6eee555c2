#include "prefetch/prefetch_plan.hpp"

#include <algorithm>

namespace objectfs::internal::prefetch {
namespace {

// A tensor this many places after the last one of an order still follows it:
// the kernel's readahead and parallel reads reach a mount a little out of order.
constexpr size_t kFollowSlack = 4;
// Switch orders when the other one explains this many more of the last moves.
constexpr int kSwitchMargin = 3;
constexpr size_t kMaxRuns = 8;

}  // namespace

bool PrefetchPlan::Track::Follows(size_t tensor) const {
  const size_t p = position[tensor];
  return at == SIZE_MAX ? p < kFollowSlack : p > at && p <= at + kFollowSlack;
}

PrefetchPlan::PrefetchPlan(safetensors::Header header, PlanConfig config)
    : header_(std::move(header)), config_(config) {
  const uint64_t block = std::max<uint64_t>(1, config_.block_size);
  for (const auto& tensor : header_.tensors) {
    const uint64_t begin = header_.data_offset + tensor.begin;
    if (tensor.byte_size() > 0 && begin % block != 0) shared_blocks_.push_back(begin / block);
  }
  std::sort(shared_blocks_.begin(), shared_blocks_.end());
  shared_blocks_.erase(std::unique(shared_blocks_.begin(), shared_blocks_.end()),
                       shared_blocks_.end());
  for (Track* track : {&by_name_, &by_offset_}) {
    track->order = TensorOrder(header_, track == &by_name_ ? Order::kName : Order::kOffset);
    track->position.assign(header_.tensors.size(), SIZE_MAX);
    for (size_t p = 0; p < track->order.size(); ++p) track->position[track->order[p]] = p;
  }
  for (size_t index : by_offset_.order) starts_.push_back(TensorRange(header_, index).offset);
  std::lock_guard lock(mu_);
  BuildLocked(0);
}

void PrefetchPlan::BuildLocked(size_t from) {
  const Track& track = CurrentLocked();
  const uint64_t block = std::max<uint64_t>(1, config_.block_size);
  const uint64_t chunk = std::max(block, config_.chunk_size);
  chunks_.clear();
  first_chunk_.assign(track.order.size(), SIZE_MAX);
  cursor_ = 0;
  first_unissued_ = 0;
  skipped_from_ = 0;
  // Tensors next to each other in both the order and the bytes form one run,
  // cut into block-aligned chunks that never cross a multiple of `chunk`.
  size_t p = from;
  while (p < track.order.size()) {
    const ByteRange first = TensorRange(header_, track.order[p]);
    uint64_t run_end = first.end();
    size_t q = p + 1;
    while (q < track.order.size() && TensorRange(header_, track.order[q]).offset == run_end) {
      run_end = TensorRange(header_, track.order[q]).end();
      ++q;
    }
    const uint64_t begin = first.offset / block * block;
    const uint64_t end = std::min(config_.object_size, (run_end + block - 1) / block * block);
    // The lead into the next tensor joins the run's last chunk (the block
    // shared with that tensor, often), up to the next multiple of `chunk`;
    // the rest of it is a chunk of its own.
    const uint64_t wanted_lead_end =
        std::min(config_.object_size, (run_end + config_.lead_bytes + block - 1) / block * block);
    const uint64_t lead_end = std::min(wanted_lead_end, (end - 1) / chunk * chunk + chunk);
    // The trail before the run comes first: a fault at the run's start waits
    // for the read-around's bytes before it too.
    const uint64_t data_begin = header_.data_offset / block * block;
    const uint64_t trail_begin =
        std::max(data_begin, begin - std::min(begin, config_.trail_bytes)) / block * block;
    // Extra bytes, cut like the run's at multiples of `chunk`.
    auto add_extra = [&](uint64_t from, uint64_t to) {
      for (uint64_t at = from; at < to;) {
        const uint64_t cut = std::min(to, (at / chunk + 1) * chunk);
        chunks_.push_back({{at, cut - at}});
        at = cut;
      }
    };
    size_t t = p;  // the next tensor of the run whose first chunk is not known yet
    if (trail_begin < begin) {
      first_chunk_[t++] = chunks_.size();
      add_extra(trail_begin, begin);
    }
    for (uint64_t at = begin; at < end;) {
      uint64_t cut = std::min(end, (at / chunk + 1) * chunk);
      // A block shared by two tensors is a chunk of its own: the reader keeps
      // it for the other tensor, and a fetch's buffer lives as long as any of
      // its blocks does.
      auto shared = std::lower_bound(shared_blocks_.begin(), shared_blocks_.end(), at / block);
      if (shared != shared_blocks_.end()) {
        const uint64_t shared_at = *shared * block;
        cut = shared_at == at ? std::min(cut, at + block) : std::min(cut, shared_at);
      }
      while (t < q && TensorRange(header_, track.order[t]).offset < cut) {
        first_chunk_[t++] = chunks_.size();
      }
      const uint64_t last = cut == end ? std::max(cut, lead_end) : cut;
      chunks_.push_back({{at, last - at}});
      at = cut;
    }
    add_extra(std::max(end, lead_end), wanted_lead_end);
    p = q;
  }
}

size_t PrefetchPlan::TensorAt(uint64_t offset) const {
  // The last tensor starting at or before `offset`; the tensors tile the region.
  auto it = std::upper_bound(starts_.begin(), starts_.end(), offset);
  return by_offset_.order[static_cast<size_t>(std::max<ptrdiff_t>(0, it - starts_.begin() - 1))];
}

void PrefetchPlan::Pump(const IssueFn& issue) {
  std::lock_guard lock(mu_);
  // From the first chunk not fetched yet of the tensors the reader's last
  // move skipped: a read that seemed to jump ahead (readahead landing on a
  // tensor a few names on) must not leave those to the reader's misses.
  while (first_unissued_ < chunks_.size() && chunks_[first_unissued_].issued) ++first_unissued_;
  uint64_t ahead = 0;
  for (size_t i = std::min(cursor_, std::max(first_unissued_, skipped_from_));
       i < chunks_.size() && in_flight_ < config_.max_in_flight &&
       in_flight_bytes_ < config_.max_in_flight_bytes;
       ++i) {
    Chunk& chunk = chunks_[i];
    if (chunk.issued) {
      // Chunks the reader has read through have left the cache: inside a
      // tensor larger than the window, the window runs ahead of the reader.
      if (i >= cursor_ && !ReadThroughLocked(chunk.range)) ahead += chunk.range.length;
      continue;
    }
    const std::vector<ByteRange> pieces = UnreadLocked(chunk.range);
    if (pieces.empty()) {  // read already: neither fetched nor ahead
      chunk.issued = true;
      continue;
    }
    if (ahead > 0 && ahead + chunk.range.length > config_.window) break;
    ahead += chunk.range.length;
    bool no_room = false;
    for (const ByteRange& piece : pieces) {
      const IssueResult result = issue(piece);
      in_flight_ += result.started;
      in_flight_bytes_ += result.bytes;
      no_room = result.no_room;
      if (no_room) break;
    }
    if (no_room) break;  // the rest of this chunk when the reader has made room
    chunk.issued = true;
  }
}

bool PrefetchPlan::ReadThroughLocked(ByteRange chunk) const {
  auto it = read_.upper_bound(chunk.offset);
  if (it == read_.begin()) return false;
  --it;
  return it->first <= chunk.offset && it->second >= chunk.end();
}

std::vector<ByteRange> PrefetchPlan::UnreadLocked(ByteRange chunk) const {
  const uint64_t block = std::max<uint64_t>(1, config_.block_size);
  std::vector<ByteRange> pieces;
  uint64_t at = chunk.offset;
  auto it = read_.upper_bound(at);
  if (it != read_.begin()) --it;
  for (; at < chunk.end(); ++it) {
    const uint64_t gap_end = it == read_.end() ? chunk.end() : std::min(chunk.end(), it->first);
    if (gap_end > at) {
      const uint64_t from = at / block * block;
      const uint64_t to = std::min(chunk.end(), (gap_end + block - 1) / block * block);
      if (!pieces.empty() && pieces.back().end() >= from) {
        pieces.back().length = to - pieces.back().offset;
      } else {
        pieces.push_back({from, to - from});
      }
    }
    if (it == read_.end()) break;
    at = std::max(at, it->second);
  }
  return pieces;
}

void PrefetchPlan::OnRead(uint64_t offset, uint64_t length) {
  if (length == 0 || offset + length <= header_.data_offset || starts_.empty()) return;
  std::lock_guard lock(mu_);
  const uint64_t end = offset + length;
  RecordReadLocked(offset, end);
  const uint64_t first_byte = std::max(offset, header_.data_offset);
  const Touched touched{by_offset_.position[TensorAt(first_byte)],
                        by_offset_.position[TensorAt(end - 1)], ReaderTensor(first_byte, end)};
  if (Run* run = ContinuedRunLocked(offset, end)) {
    OnContinueLocked(*run, end, touched);
  } else {
    OnJumpLocked(offset, end, touched);
  }
}

size_t PrefetchPlan::ReaderTensor(uint64_t offset, uint64_t end) const {
  // The kernel reads whole pages: a read() of a tensor starts in the page
  // holding its first byte, an mmap fault's read-around half a window
  // before the faulting page. The tensor starting in either page, else the
  // one at the middle.
  constexpr uint64_t kPage = 4096;
  const uint64_t middle = offset + (end - offset) / 2 / kPage * kPage;
  for (uint64_t page : {middle, offset}) {
    const auto it = std::lower_bound(starts_.begin(), starts_.end(), page);
    if (it != starts_.end() && *it < std::min(end, page + kPage)) {
      return by_offset_.order[static_cast<size_t>(it - starts_.begin())];
    }
  }
  return TensorAt(middle);
}

size_t PrefetchPlan::Follower(const Track& track, const Touched& touched) const {
  // The touched tensor nearest after the track's place; a long read of tiny
  // tensors is looked at in its first and last few.
  constexpr size_t kLook = 32;
  size_t best = SIZE_MAX;
  for (size_t p = touched.first; p <= touched.last; ++p) {
    if (p == touched.first + kLook && touched.last > p + kLook) p = touched.last - kLook;
    const size_t tensor = by_offset_.order[p];
    if (track.Follows(tensor) &&
        (best == SIZE_MAX || track.position[tensor] < track.position[best])) {
      best = tensor;
    }
  }
  return best;
}

void PrefetchPlan::RecordReadLocked(uint64_t begin, uint64_t end) {
  // [begin, end), merged with the ranges it touches.
  auto it = read_.upper_bound(begin);
  if (it != read_.begin() && std::prev(it)->second >= begin) --it;
  while (it != read_.end() && it->first <= end) {
    begin = std::min(begin, it->first);
    end = std::max(end, it->second);
    it = read_.erase(it);
  }
  read_.emplace(begin, end);
}

PrefetchPlan::Run* PrefetchPlan::ContinuedRunLocked(uint64_t offset, uint64_t end) {
  ++clock_;
  for (Run& run : runs_) {
    // Touching it on either side, or landing in its quiet zone: a kernel
    // sends a window's requests at once, and they arrive in any order.
    if (offset <= std::max(run.end, run.quiet_end) && end >= run.begin) {
      run.begin = std::min(run.begin, offset);
      run.end = std::max(run.end, end);
      run.used = clock_;
      return &run;
    }
  }
  return nullptr;
}

void PrefetchPlan::OnJumpLocked(uint64_t offset, uint64_t end, const Touched& touched) {
  const size_t by_name = Follower(by_name_, touched);
  const size_t by_offset = Follower(by_offset_, touched);
  Run fresh{offset, end, end, clock_, touched.last};
  Run* run = nullptr;
  if (runs_.size() < kMaxRuns) {
    run = &runs_.emplace_back(fresh);
  } else {
    run = &*std::min_element(runs_.begin(), runs_.end(),
                             [](const Run& a, const Run& b) { return a.used < b.used; });
    *run = fresh;
  }
  // A jump that follows neither order still says where the reader is now:
  // the name order goes on from there (the cursor waits for a read that
  // follows it: a reader of a subset must not drag the plan along).
  const size_t name_before = by_name_.at, offset_before = by_offset_.at;
  MoveByNameLocked(by_name != SIZE_MAX ? by_name : touched.reader, *run);
  by_offset_.at = run->last;
  const bool named = by_name != SIZE_MAX, in_bytes = by_offset != SIZE_MAX;
  if (VoteLocked(named == in_bytes ? 0 : named ? 1 : -1)) return;
  if (kind_ == Order::kName && named) MoveCursorLocked(by_name, name_before);
  if (kind_ == Order::kOffset && in_bytes) MoveCursorLocked(by_offset, offset_before);
}

void PrefetchPlan::OnContinueLocked(Run& run, uint64_t end, const Touched& touched) {
  const size_t by_name = Follower(by_name_, touched);
  const bool entered = touched.last > run.last;
  const size_t name_before = by_name_.at, offset_before = by_offset_.at;
  run.last = std::max(run.last, touched.last);
  by_offset_.at = run.last;
  // Up to `quiet_end` the reader's own readahead goes on past its tensor:
  // no vote for the bytes. Beyond it, each tensor entered is one.
  const bool quiet = end <= run.quiet_end;
  if (by_name != SIZE_MAX) MoveByNameLocked(by_name, run);
  if (entered && !quiet && VoteLocked(by_name != SIZE_MAX ? 0 : -1)) return;
  if (kind_ == Order::kName && by_name != SIZE_MAX) MoveCursorLocked(by_name, name_before);
  if (kind_ == Order::kOffset) {
    MoveCursorLocked(by_offset_.order[touched.first], offset_before);
  }
}

void PrefetchPlan::MoveByNameLocked(size_t tensor, Run& run) {
  by_name_.at = by_name_.position[tensor];
  run.quiet_end =
      std::max(run.quiet_end, TensorRange(header_, tensor).end() + config_.reader_overshoot);
}

bool PrefetchPlan::VoteLocked(int vote) {
  votes_[vote_at_++ % std::size(votes_)] = vote;
  int score = 0;  // > 0: the names explain more moves
  for (int v : votes_) score += v;
  const Order better = score >= kSwitchMargin    ? Order::kName
                       : score <= -kSwitchMargin ? Order::kOffset
                                                 : kind_;
  if (better == kind_) return false;
  kind_ = better;
  std::fill(std::begin(votes_), std::end(votes_), 0);
  const size_t at = CurrentLocked().at;
  BuildLocked(at == SIZE_MAX ? 0 : at);
  return true;
}

void PrefetchPlan::MoveCursorLocked(size_t tensor, size_t before) {
  const size_t at = CurrentLocked().position[tensor];
  if (first_chunk_[at] == SIZE_MAX) return;
  // A move a few places on skips the tensors between: still wanted.
  const size_t skipped = before != SIZE_MAX && before < at ? before + 1 : at;
  skipped_from_ = first_chunk_[skipped] != SIZE_MAX ? first_chunk_[skipped] : first_chunk_[at];
  cursor_ = first_chunk_[at];
}

void PrefetchPlan::OnFetchDone(uint64_t bytes) {
  std::lock_guard lock(mu_);
  --in_flight_;
  in_flight_bytes_ -= std::min(in_flight_bytes_, bytes);
}

Order PrefetchPlan::order() const {
  std::lock_guard lock(mu_);
  return kind_;
}

}  // namespace objectfs::internal::prefetch
