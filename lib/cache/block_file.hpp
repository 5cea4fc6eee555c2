// The on-disk format of one disk-cache block: a fixed 4 KiB header, then the
// payload (the object's bytes of that block).
//
// The header names what the block holds (the object identity: store, key,
// ETag, size; the block index and the cache's block size), the payload length,
// an XXH3 checksum per 64 KiB chunk of the payload, and a checksum of the header
// itself. Per-chunk checksums let a small read verify only the chunks it
// touches; a whole-block read is read straight into the caller's buffer and
// verified there. The header is host-endian: a cache directory is local to a
// machine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace objectfs::internal {

constexpr uint64_t kBlockHeaderSize = 4096;
constexpr uint64_t kBlockChunkSize = 64 * 1024;
// Block sizes up to this many chunks (16 MiB) fit the header.
constexpr uint64_t kMaxBlockChunks = 256;
// Room left in the header for the identity string.
constexpr uint64_t kMaxIdentityLength = 1800;

struct BlockHeader {
  std::string identity;
  uint64_t block_index = 0;
  uint64_t block_size = 0;      // the cache's block size (all blocks but an object's last)
  uint64_t payload_length = 0;  // bytes of object data that follow the header
  std::vector<uint64_t> chunk_checksums;
};

// XXH3-64 of `data` (one chunk).
uint64_t ChunkChecksum(std::span<const std::byte> data);

// The 4 KiB header for `payload`; empty when the identity does not fit or the
// payload is larger than the header can describe.
std::vector<std::byte> EncodeBlockHeader(std::string_view identity, uint64_t block_index,
                                         uint64_t block_size, std::span<const std::byte> payload);

// Parses and checks a header (magic, version, its own checksum, sane sizes).
// nullopt: not a valid header.
std::optional<BlockHeader> DecodeBlockHeader(std::span<const std::byte> header);

// Whether `data`, the payload bytes of chunks [first_chunk, ...), matches the
// header's checksums. `data` ends at a chunk boundary or the payload's end.
bool VerifyChunks(const BlockHeader& header, uint64_t first_chunk, std::span<const std::byte> data);

}  // namespace objectfs::internal
