// Text <-> values of the option types (OptionType): the parsers every front
// shares, and the formatting of defaults for help and the README.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "objectfs/status.hpp"

namespace objectfs::internal {

// Errors name only the value; callers add the option's name.
Result<bool> ParseBool(std::string_view text);
Result<int64_t> ParseInt(std::string_view text);
// "8M", "512K", "1GiB", "4096" -> bytes.
Result<uint64_t> ParseByteSize(std::string_view text);
// "2.5", "30s", "500ms", "2m", "1h" -> milliseconds (rounded up).
Result<std::chrono::milliseconds> ParseSeconds(std::string_view text);

// 8388608 -> "8M"; sizes that are no whole K/M/G/T stay in bytes.
std::string FormatByteSize(uint64_t bytes);
// 5000ms -> "5", 100ms -> "100ms".
std::string FormatSeconds(std::chrono::milliseconds duration);

}  // namespace objectfs::internal
