// Lower-case hex of bytes (SigV4's hashes and signatures, S3's ETags) and back.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace objectfs::internal {

std::string HexEncode(std::string_view bytes);
// The bytes `hex` spells (either case); nullopt for an odd length or a non-hex digit.
std::optional<std::string> HexDecode(std::string_view hex);

}  // namespace objectfs::internal
