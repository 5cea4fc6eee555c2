#include "options/option_text.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

#include "util/ascii.hpp"

namespace objectfs::internal {
namespace {

std::string Quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

}  // namespace

Result<bool> ParseBool(std::string_view text) {
  const std::string v = AsciiLower(text);
  if (v.empty() || v == "1" || v == "true" || v == "yes" || v == "on") return true;
  if (v == "0" || v == "false" || v == "no" || v == "off") return false;
  return InvalidArgument("expected true or false, got " + Quoted(text));
}

Result<int64_t> ParseInt(std::string_view text) {
  int64_t n = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, n);
  if (ec != std::errc() || ptr != end || text.empty()) {
    return InvalidArgument("expected an integer, got " + Quoted(text));
  }
  return n;
}

Result<uint64_t> ParseByteSize(std::string_view text) {
  uint64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr == text.data()) {
    return InvalidArgument("invalid size " + Quoted(text) + " (expected e.g. 8M, 1G, 4096)");
  }
  const std::string_view suffix(ptr, end - ptr);
  uint64_t scale = 0;
  if (suffix == "" || suffix == "B") {
    scale = 1;
  } else if (suffix == "K" || suffix == "KiB" || suffix == "k") {
    scale = 1ull << 10;
  } else if (suffix == "M" || suffix == "MiB") {
    scale = 1ull << 20;
  } else if (suffix == "G" || suffix == "GiB") {
    scale = 1ull << 30;
  } else if (suffix == "T" || suffix == "TiB") {
    scale = 1ull << 40;
  } else {
    return InvalidArgument("invalid size " + Quoted(text) + " (expected e.g. 8M, 1G, 4096)");
  }
  if (value > UINT64_MAX / scale) return InvalidArgument("size " + Quoted(text) + " is too large");
  return value * scale;
}

Result<std::chrono::milliseconds> ParseSeconds(std::string_view text) {
  const Status bad =
      InvalidArgument("expected a number of seconds (e.g. 30, 2.5, 500ms), got " + Quoted(text));
  double value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr == text.data() || !std::isfinite(value) || value < 0) return bad;
  const std::string_view unit(ptr, end - ptr);
  double ms_per_unit = 0;
  if (unit == "" || unit == "s") {
    ms_per_unit = 1000;
  } else if (unit == "ms") {
    ms_per_unit = 1;
  } else if (unit == "m" || unit == "min") {
    ms_per_unit = 60e3;
  } else if (unit == "h") {
    ms_per_unit = 3600e3;
  } else {
    return bad;
  }
  const double ms = std::ceil(value * ms_per_unit);
  if (ms > static_cast<double>(std::numeric_limits<int64_t>::max() / 2)) return bad;
  return std::chrono::milliseconds(static_cast<int64_t>(ms));
}

std::string FormatByteSize(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"T", "G", "M", "K"};
  for (int i = 0; i < 4; ++i) {
    const uint64_t scale = 1ull << (10 * (4 - i));
    if (bytes != 0 && bytes % scale == 0) return std::to_string(bytes / scale) + kUnits[i];
  }
  return std::to_string(bytes);
}

std::string FormatSeconds(std::chrono::milliseconds duration) {
  const int64_t ms = duration.count();
  if (ms % 1000 == 0) return std::to_string(ms / 1000);
  return std::to_string(ms) + "ms";
}

}  // namespace objectfs::internal
