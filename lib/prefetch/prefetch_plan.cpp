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

bool PrefetchPlan::Track::Follows(size_t tensor) {
  const size_t at = position[tensor];
  auto near = [&](size_t from) {
    return from != SIZE_MAX && at > from && at <= from + kFollowSlack;
  };
  const bool follows = near(anchor) || near(recent);
  if (follows) anchor = at;
  recent = at;
  return follows;
}

PrefetchPlan::PrefetchPlan(safetensors::Header header, PlanConfig config)
    : header_(std::move(header)), config_(config) {
  const uint64_t block = std::max<uint64_t>(1, config_.block_size);
  for (const auto& tensor : header_.tensors) {
    const uint64_t begin = header_.data_offset + tensor.begin;
    if (tensor.byte_size() > 0 && begin % block != 0) shared_blocks_.push_back(begin / block);
  }
  std::sort(shared_blocks_.begin(), shared_blocks_.end());
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
    size_t t = p;  // the next tensor of the run whose first chunk is not known yet
    for (uint64_t at = begin; at < end;) {
      const uint64_t cut = std::min(end, (at / chunk + 1) * chunk);
      while (t < q && TensorRange(header_, track.order[t]).offset < cut) {
        first_chunk_[t++] = chunks_.size();
      }
      chunks_.push_back({{at, cut - at}});
      at = cut;
    }
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
  if (stopped_) return;
  uint64_t ahead = 0;
  for (size_t i = cursor_; i < chunks_.size() && in_flight_ < config_.max_in_flight; ++i) {
    Chunk& chunk = chunks_[i];
    if (ahead > 0 && ahead + chunk.range.length > config_.window) break;
    ahead += chunk.range.length;
    if (chunk.issued) continue;
    if (chunk.range.offset >= last_direct_.offset && chunk.range.end() <= last_direct_.end()) {
      chunk.issued = true;  // that read fetched these bytes itself
      continue;
    }
    const IssueResult result = issue(chunk.range);
    in_flight_ += result.started;
    if (result.no_room) break;
    chunk.issued = true;
  }
}

void PrefetchPlan::OnRead(uint64_t offset, uint64_t length, bool direct) {
  if (length == 0 || offset + length <= header_.data_offset || starts_.empty()) return;
  std::lock_guard lock(mu_);
  if (direct) last_direct_ = {offset, length};
  // The tensor holding the read's last byte: the kernel's readahead around an
  // mmap fault starts before the tensor touched, never far past it.
  const size_t tensor = TensorAt(offset + length - 1);
  if (tensor == last_tensor_) return;
  const bool first = last_tensor_ == SIZE_MAX;
  last_tensor_ = tensor;
  const bool by_name = by_name_.Follows(tensor);
  const bool by_offset = by_offset_.Follows(tensor);
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
      BuildLocked(CurrentLocked().position[tensor]);
      return;
    }
  }
  // Move to the reader's tensor when it follows the plan's order (a read of
  // another tensor, e.g. readahead past the end of this one, leaves it).
  const bool follows = kind_ == Order::kName ? by_name : by_offset;
  const size_t at = CurrentLocked().position[tensor];
  if ((follows || first) && first_chunk_[at] != SIZE_MAX) cursor_ = first_chunk_[at];
}

void PrefetchPlan::OnFetchDone() {
  std::lock_guard lock(mu_);
  --in_flight_;
}

void PrefetchPlan::Stop() {
  std::lock_guard lock(mu_);
  stopped_ = true;
}

bool PrefetchPlan::SharedBlock(uint64_t block) const {
  return std::binary_search(shared_blocks_.begin(), shared_blocks_.end(), block);
}

Order PrefetchPlan::order() const {
  std::lock_guard lock(mu_);
  return kind_;
}

}  // namespace objectfs::internal::prefetch
