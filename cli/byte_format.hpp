// Human-readable byte counts, times and progress lines for the CLI.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
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

// "2026-12-02T19:08:50Z".
inline std::string FormatTime(std::chrono::system_clock::time_point t) {
  const time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

// What a progress line shows: `done` of `total` bytes, `moved` of them
// transferred in `seconds` (the rate and the ETA), objects finished.
struct ProgressCounts {
  uint64_t done = 0;
  uint64_t total = 0;
  uint64_t moved = 0;
  double seconds = 0;
  size_t objects_done = 0;
  size_t objects = 0;
};

// "[####   ]  42.0%  1.5 GiB / 3.6 GiB  95.3 MB/s  ETA 0:22  3/7 objects", as a
// bar redrawn in place on a terminal, else a line starting with `verb: `.
inline std::string ProgressLine(const ProgressCounts& p, const char* verb, bool tty) {
  const double rate = static_cast<double>(p.moved) / std::max(p.seconds, 1e-3);
  char eta[32] = "--";
  if (rate > 0 && p.done < p.total) {
    const auto s = static_cast<unsigned long long>(static_cast<double>(p.total - p.done) / rate);
    std::snprintf(eta, sizeof(eta), "%llu:%02llu", s / 60, s % 60);
  }
  const double fraction = p.total ? double(p.done) / double(p.total) : 1.0;
  char line[256];
  std::snprintf(line, sizeof(line), "%5.1f%%  %s / %s  %.1f MB/s  ETA %s  %zu/%zu objects",
                100 * fraction, FormatBytes(p.done).c_str(), FormatBytes(p.total).c_str(),
                rate / 1e6, eta, p.objects_done, p.objects);
  if (!tty) return std::string(verb) + ": " + line;
  std::string bar(30, ' ');
  for (size_t i = 0; i < size_t(fraction * 30) && i < 30; ++i) bar[i] = '#';
  return "\r[" + bar + "] " + line + "\033[K";
}

}  // namespace objectfs::cli
