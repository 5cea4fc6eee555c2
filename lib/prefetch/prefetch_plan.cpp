#include "prefetch/prefetch_plan.hpp"

#include <algorithm>

namespace objectfs::internal::prefetch {
namespace {

// A tensor this many places after the last one of an order still follows it:
// the kernel's readahead and parallel reads reach a mount a little out of order.
constexpr size_t kFollowSlack = 4;
// Switch orders when the other one explains this many more of the last tensor changes.
constexpr int kSwitchMargin = 3;

}  // namespace

bool PrefetchPlan::Track::Follows(size_t tensor) const {
  const size_t at = position[tensor];
  auto near = [&](size_t from) {
    return from != SIZE_MAX && at > from && at <= from + kFollowSlack;
  };
  return near(anchor) || near(recent);
}

void PrefetchPlan::Track::MoveTo(size_t tensor, bool follows) {
  if (follows) anchor = position[tensor];
  recent = position[tensor];
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
  // The tensors starting in each shared block, and the one running into it
  // (none before the first: the header was read already).
  for (uint64_t shared : shared_blocks_) {
    const auto from = std::lower_bound(starts_.begin(), starts_.end(), shared * block);
    const auto to = std::lower_bound(starts_.begin(), starts_.end(), (shared + 1) * block);
    const bool runs_in =
        from != starts_.begin() && (from == starts_.end() || *from > shared * block);
    shared_need_.push_back(static_cast<int>(to - from) + (runs_in ? 1 : 0));
  }
  shared_touches_.assign(shared_blocks_.size(), 0);
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
  // From the first chunk not fetched yet, even behind the reader: a read that
  // seemed to jump ahead (readahead landing on a tensor a few names on) must
  // not leave the tensors it jumped over to the reader's misses.
  while (first_unissued_ < chunks_.size() && chunks_[first_unissued_].issued) ++first_unissued_;
  uint64_t ahead = 0;
  for (size_t i = std::min(cursor_, first_unissued_);
       i < chunks_.size() && in_flight_ < config_.max_in_flight &&
       in_flight_bytes_ < config_.max_in_flight_bytes;
       ++i) {
    Chunk& chunk = chunks_[i];
    if (ahead > 0 && ahead + chunk.range.length > config_.window) break;
    ahead += chunk.range.length;
    if (chunk.issued) continue;
    bool no_room = false;
    for (const ByteRange& piece : UnreadLocked(chunk.range)) {
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
  // Record [offset, end), merged with the ranges it touches.
  uint64_t begin = offset, end = offset + length;
  auto it = read_.upper_bound(begin);
  if (it != read_.begin() && std::prev(it)->second >= begin) --it;
  while (it != read_.end() && it->first <= end) {
    begin = std::min(begin, it->first);
    end = std::max(end, it->second);
    it = read_.erase(it);
  }
  read_.emplace(begin, end);
  // Which tensor the reader is after: the kernel reads ahead of a read()
  // past the tensor's end and around an mmap fault (half before it), so the
  // tensors at the read's first, middle and last byte are the candidates; an
  // order takes the first of them that follows it, else the last one.
  const uint64_t first_byte = std::max(offset, header_.data_offset);
  const size_t candidates[3] = {TensorAt(first_byte),
                                TensorAt(first_byte + (offset + length - first_byte) / 2),
                                TensorAt(offset + length - 1)};
  auto pick = [&](const Track& track) {
    for (size_t c : candidates) {
      if (track.Follows(c)) return std::pair{c, true};
    }
    return std::pair{candidates[2], false};
  };
  const auto [name_tensor, by_name] = pick(by_name_);
  const auto [offset_tensor, by_offset] = pick(by_offset_);
  const size_t tensor = kind_ == Order::kName ? name_tensor : offset_tensor;
  if (tensor == last_tensor_) return;
  const bool first = last_tensor_ == SIZE_MAX;
  last_tensor_ = tensor;
  by_name_.MoveTo(name_tensor, by_name);
  by_offset_.MoveTo(offset_tensor, by_offset);
  if (!first) {
    votes_[vote_at_++ % std::size(votes_)] = by_name == by_offset ? 0 : by_name ? 1 : -1;
    int score = 0;  // > 0: the names explain more changes
    for (int vote : votes_) score += vote;
    const Order better = score >= kSwitchMargin    ? Order::kName
                         : score <= -kSwitchMargin ? Order::kOffset
                                                   : kind_;
    if (better != kind_) {
      kind_ = better;
      std::fill(std::begin(votes_), std::end(votes_), 0);
      last_tensor_ = kind_ == Order::kName ? name_tensor : offset_tensor;
      BuildLocked(CurrentLocked().position[last_tensor_]);
      return;
    }
  }
  // Move to the reader's tensor when it follows the plan's order (a read of
  // another tensor, e.g. readahead past the end of this one, leaves it).
  const bool follows = kind_ == Order::kName ? by_name : by_offset;
  const size_t at = CurrentLocked().position[tensor];
  if ((follows || first) && first_chunk_[at] != SIZE_MAX) cursor_ = first_chunk_[at];
}

void PrefetchPlan::OnFetchDone(uint64_t bytes) {
  std::lock_guard lock(mu_);
  --in_flight_;
  in_flight_bytes_ -= std::min(in_flight_bytes_, bytes);
}

bool PrefetchPlan::SharedBlock(uint64_t block) const {
  return std::binary_search(shared_blocks_.begin(), shared_blocks_.end(), block);
}

bool PrefetchPlan::TouchShared(uint64_t block) {
  const auto it = std::lower_bound(shared_blocks_.begin(), shared_blocks_.end(), block);
  if (it == shared_blocks_.end() || *it != block) return true;
  const size_t i = static_cast<size_t>(it - shared_blocks_.begin());
  std::lock_guard lock(mu_);
  return ++shared_touches_[i] >= shared_need_[i];
}

Order PrefetchPlan::order() const {
  std::lock_guard lock(mu_);
  return kind_;
}

}  // namespace objectfs::internal::prefetch
