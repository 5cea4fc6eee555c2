#include "cache/shared_block.hpp"

#include <xxhash.h>

#include <cstdio>
#include <cstring>

namespace objectfs::internal {
namespace {

constexpr char kMagic[8] = {'O', 'F', 'S', 'B', 'L', 'K', '0', '1'};
constexpr size_t kLengthAt = 8, kPayloadSumAt = 16, kIdentitySumAt = 24;

void Put(std::span<std::byte> out, size_t at, uint64_t value) {
  for (int i = 0; i < 8; ++i) out[at + i] = std::byte(value >> (8 * i));
}

uint64_t Get(std::span<const std::byte> in, size_t at) {
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value |= uint64_t(in[at + i]) << (8 * i);
  return value;
}

uint64_t Sum(std::span<const std::byte> bytes) { return XXH3_64bits(bytes.data(), bytes.size()); }
uint64_t Sum(std::string_view text) { return XXH3_64bits(text.data(), text.size()); }

}  // namespace

std::string SharedBlockName(std::string_view identity, uint64_t block_size, uint64_t block) {
  std::string input(identity);
  input.append("\n").append(std::to_string(block_size)).append("\n").append(std::to_string(block));
  const XXH128_hash_t hash = XXH3_128bits(input.data(), input.size());
  char name[48];
  std::snprintf(name, sizeof(name), "blocks/%016llx%016llx",
                static_cast<unsigned long long>(hash.high64),
                static_cast<unsigned long long>(hash.low64));
  return name;
}

int SharedBlockOwner(std::string_view identity, uint64_t block, int fleet_size) {
  if (fleet_size <= 1) return 0;
  const uint64_t first = XXH3_64bits(identity.data(), identity.size());
  return static_cast<int>((first + block) % static_cast<uint64_t>(fleet_size));
}

void EncodeSharedBlockHeader(std::string_view identity, std::span<const std::byte> payload,
                             std::span<std::byte, kSharedBlockHeader> header) {
  std::memcpy(header.data(), kMagic, sizeof(kMagic));
  Put(header, kLengthAt, payload.size());
  Put(header, kPayloadSumAt, Sum(payload));
  Put(header, kIdentitySumAt, Sum(identity));
}

bool VerifySharedBlock(std::string_view identity, std::span<const std::byte> object,
                       uint64_t payload_length) {
  if (object.size() != kSharedBlockHeader + payload_length) return false;
  if (std::memcmp(object.data(), kMagic, sizeof(kMagic)) != 0) return false;
  if (Get(object, kLengthAt) != payload_length) return false;
  if (Get(object, kIdentitySumAt) != Sum(identity)) return false;
  return Get(object, kPayloadSumAt) == Sum(object.subspan(kSharedBlockHeader));
}

}  // namespace objectfs::internal
