// The format of a block object in the shared (fleet) tier: a 32-byte header
// that names what the block is of and checksums its payload, then the bytes.
// Objects are immutable and named by the origin's identity, so a replaced
// object never finds old blocks and a CDN may cache them forever.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace objectfs::internal {

inline constexpr size_t kSharedBlockHeader = 32;

// "blocks/<xxh128 of identity, block size and index>": the object's name under
// the tier's prefix.
std::string SharedBlockName(std::string_view identity, uint64_t block_size, uint64_t block);

// The rank of a fleet of `fleet_size` that fetches `block` of `identity`
// from the origin: an object's blocks go to the ranks in turn, from a rank a
// hash of the identity picks. So each rank's share of an object is within one
// block of the others' (a hash per block left some ranks half again as much,
// and a dead rank's share is what every other rank then fetches), and
// one-block objects still spread over the fleet. XXH3, not std::hash: every
// node must agree, whatever it was built with.
int SharedBlockOwner(std::string_view identity, uint64_t block, int fleet_size);

// Writes the header for `payload` of `identity` into `header` (32 bytes).
void EncodeSharedBlockHeader(std::string_view identity, std::span<const std::byte> payload,
                             std::span<std::byte, kSharedBlockHeader> header);

// Whether `object` (header + payload) is a block of `identity` whose payload
// is exactly `payload_length` bytes and matches its checksum.
bool VerifySharedBlock(std::string_view identity, std::span<const std::byte> object,
                       uint64_t payload_length);

}  // namespace objectfs::internal
