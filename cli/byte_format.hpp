// Human-readable byte counts and rates for the CLI's progress and summaries.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace objectfs::cli {

// 1536 -> "1.5 KiB"; 3 -> "3 B".
inline std::string FormatBytes(uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 4) {
    value /= 1024;
    ++unit;
  }
  char out[32];
  if (unit == 0) {
    std::snprintf(out, sizeof(out), "%llu B", static_cast<unsigned long long>(bytes));
  } else {
    std::snprintf(out, sizeof(out), "%.1f %s", value, units[unit]);
  }
  return out;
}

}  // namespace objectfs::cli
