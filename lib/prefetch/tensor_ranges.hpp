// Byte ranges of tensors, in the orders loaders read them: what the format
// planner prefetches (PrefetchPlan) and what Python's safe_open and subset
// loads fetch (coalesced, exact). Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "objectfs/safetensors.hpp"
#include "objectfs/status.hpp"
#include "objectfs/store.hpp"

namespace objectfs::internal::prefetch {

enum class Order {
  kName,    // sorted by tensor name: safetensors' keys(), transformers, torch loaders
  kOffset,  // the order of the bytes in the object: cat, a whole-file read
};

// Offset-sorted indexes into header.tensors in `order`; empty tensors left out.
std::vector<size_t> TensorOrder(const safetensors::Header& header, Order order);

// The absolute byte range (in the object) of tensor `index`.
ByteRange TensorRange(const safetensors::Header& header, size_t index);

// Ranges sorted by offset, overlapping ones and those at most `max_gap` bytes
// apart merged (a gap that small costs less fetched than a request).
std::vector<ByteRange> Coalesce(std::vector<ByteRange> ranges, uint64_t max_gap);

// The bytes of the box [start[d], stop[d]) of every dimension d of a tensor
// of `shape` with `element_size`-byte elements in C order, whose data starts
// at `base`: one range per contiguous run, in offset order. An empty box has
// none. Errors name the dimension whose bounds are wrong.
Result<std::vector<ByteRange>> BoxRanges(const std::vector<uint64_t>& shape, uint64_t element_size,
                                         uint64_t base, const std::vector<uint64_t>& start,
                                         const std::vector<uint64_t>& stop);

}  // namespace objectfs::internal::prefetch
