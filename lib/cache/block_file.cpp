#include "cache/block_file.hpp"

#include <xxhash.h>
#if defined(__x86_64__)
#include <xxh_x86dispatch.h>
#endif

#include <cstring>

namespace objectfs::internal {
namespace {

constexpr char kMagic[8] = {'O', 'F', 'S', 'B', 'L', 'K', '0', '1'};
// Field offsets inside the header.
constexpr size_t kHeaderSizeAt = 8;       // u32
constexpr size_t kChunkSizeAt = 12;       // u32
constexpr size_t kBlockIndexAt = 16;      // u64
constexpr size_t kBlockSizeAt = 24;       // u64
constexpr size_t kPayloadLengthAt = 32;   // u64
constexpr size_t kChunkCountAt = 40;      // u32
constexpr size_t kIdentityLengthAt = 44;  // u32
constexpr size_t kIdentityAt = 48;
constexpr size_t kChecksumsAt = kIdentityAt + kMaxIdentityLength;
constexpr size_t kHeaderChecksumAt = kBlockHeaderSize - 8;
static_assert(kChecksumsAt + kMaxBlockChunks * 8 <= kHeaderChecksumAt);

template <typename T>
void Put(std::vector<std::byte>& out, size_t at, T value) {
  std::memcpy(out.data() + at, &value, sizeof(T));
}
template <typename T>
T Get(std::span<const std::byte> in, size_t at) {
  T value;
  std::memcpy(&value, in.data() + at, sizeof(T));
  return value;
}

}  // namespace

uint64_t ChunkChecksum(std::span<const std::byte> data) {
#if defined(__x86_64__)
  // The library's default build is SSE2; its dispatcher picks AVX2/AVX-512 at
  // run time (same hash), which made warm disk-cache reads faster (see
  // docs/benchmarks.md, "Measurements behind code choices", and the
  // warmed-disk-cache File::PRead row).
  return XXH3_64bits_dispatch(data.data(), data.size());
#else
  return XXH3_64bits(data.data(), data.size());
#endif
}

std::vector<std::byte> EncodeBlockHeader(std::string_view identity, uint64_t block_index,
                                         uint64_t block_size, std::span<const std::byte> payload) {
  const uint64_t chunks = (payload.size() + kBlockChunkSize - 1) / kBlockChunkSize;
  if (identity.size() > kMaxIdentityLength || chunks > kMaxBlockChunks) return {};
  std::vector<std::byte> out(kBlockHeaderSize);
  std::memcpy(out.data(), kMagic, sizeof(kMagic));
  Put<uint32_t>(out, kHeaderSizeAt, kBlockHeaderSize);
  Put<uint32_t>(out, kChunkSizeAt, kBlockChunkSize);
  Put<uint64_t>(out, kBlockIndexAt, block_index);
  Put<uint64_t>(out, kBlockSizeAt, block_size);
  Put<uint64_t>(out, kPayloadLengthAt, payload.size());
  Put<uint32_t>(out, kChunkCountAt, static_cast<uint32_t>(chunks));
  Put<uint32_t>(out, kIdentityLengthAt, static_cast<uint32_t>(identity.size()));
  std::memcpy(out.data() + kIdentityAt, identity.data(), identity.size());
  for (uint64_t i = 0; i < chunks; ++i) {
    const uint64_t from = i * kBlockChunkSize;
    const uint64_t length = std::min<uint64_t>(kBlockChunkSize, payload.size() - from);
    Put<uint64_t>(out, kChecksumsAt + i * 8, ChunkChecksum(payload.subspan(from, length)));
  }
  Put<uint64_t>(out, kHeaderChecksumAt, XXH3_64bits(out.data(), kHeaderChecksumAt));
  return out;
}

std::optional<BlockHeader> DecodeBlockHeader(std::span<const std::byte> in) {
  if (in.size() < kBlockHeaderSize || std::memcmp(in.data(), kMagic, sizeof(kMagic)) != 0) {
    return std::nullopt;
  }
  if (Get<uint64_t>(in, kHeaderChecksumAt) != XXH3_64bits(in.data(), kHeaderChecksumAt)) {
    return std::nullopt;
  }
  const uint32_t chunks = Get<uint32_t>(in, kChunkCountAt);
  const uint32_t identity_length = Get<uint32_t>(in, kIdentityLengthAt);
  BlockHeader header;
  header.block_index = Get<uint64_t>(in, kBlockIndexAt);
  header.block_size = Get<uint64_t>(in, kBlockSizeAt);
  header.payload_length = Get<uint64_t>(in, kPayloadLengthAt);
  if (Get<uint32_t>(in, kHeaderSizeAt) != kBlockHeaderSize ||
      Get<uint32_t>(in, kChunkSizeAt) != kBlockChunkSize || chunks > kMaxBlockChunks ||
      identity_length > kMaxIdentityLength ||
      chunks != (header.payload_length + kBlockChunkSize - 1) / kBlockChunkSize) {
    return std::nullopt;
  }
  header.identity.assign(reinterpret_cast<const char*>(in.data()) + kIdentityAt, identity_length);
  header.chunk_checksums.resize(chunks);
  for (uint32_t i = 0; i < chunks; ++i) {
    header.chunk_checksums[i] = Get<uint64_t>(in, kChecksumsAt + i * 8);
  }
  return header;
}

bool VerifyChunks(const BlockHeader& header, uint64_t first_chunk,
                  std::span<const std::byte> data) {
  uint64_t chunk = first_chunk;
  for (uint64_t from = 0; from < data.size(); from += kBlockChunkSize, ++chunk) {
    if (chunk >= header.chunk_checksums.size()) return false;
    const uint64_t length = std::min<uint64_t>(kBlockChunkSize, data.size() - from);
    if (ChunkChecksum(data.subspan(from, length)) != header.chunk_checksums[chunk]) return false;
  }
  return true;
}

}  // namespace objectfs::internal
