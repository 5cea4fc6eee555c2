// The tensors of a GGUF file (llama.cpp's model format) as a
// safetensors::Header the PrefetchPlan can follow. Converters write a model's
// tensors in the byte order of their Hugging Face names ("blk.0", "blk.1",
// "blk.10", ...), while llama.cpp creates and loads the token embedding first,
// the other tensors outside the blocks (the output head) next, then the
// blocks in numeric order. Each tensor is named for the plan by
// LoadOrderKey, so the plan's name order is the loader's. Pure functions;
// thread-safe.
//
// Layout (v2 and v3, little-endian): "GGUF", u32 version, u64 tensor count,
// u64 metadata count, the metadata (key, u32 type, value), the tensor infos
// (name, u32 dims, u64 per dim, u32 ggml type, u64 offset), padding to the
// alignment (metadata general.alignment, 32 if absent), the data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "objectfs/safetensors.hpp"
#include "objectfs/status.hpp"

namespace objectfs::internal::prefetch {

// Whether `key` names a GGUF file.
bool IsGgufName(std::string_view key);

// Larger headers (metadata and tensor infos) are not planned; published ones,
// a tokenizer's vocabulary included, take a few MiB.
inline constexpr uint64_t kMaxGgufHeader = 256ull << 20;

// The tensors of a GGUF file of `file_size` bytes from its first bytes
// `head`, each running to the next one in the file (its padding included) and
// the last to the end of the file. kOutOfRange when `head` ends before the
// tensor infos do: read more and try again. Other errors name what is wrong.
Result<safetensors::Header> GgufHeader(std::span<const std::byte> head, uint64_t file_size);

// `name` with every run of digits zero-padded to 20: the byte order of the
// result is the numeric order of the layers.
std::string NaturalSortKey(std::string_view name);

// A key whose byte order is llama.cpp's load order: "token_embd..." first,
// then the other names outside "blk.", then the blocks by NaturalSortKey.
std::string LoadOrderKey(std::string_view name);

}  // namespace objectfs::internal::prefetch
