#include "util/time_formats.hpp"

#include <cctype>
#include <cstdio>
#include <ctime>
#include <string>

namespace objectfs::internal {
namespace {

// system_clock counts nanoseconds in 64 bits: about 1677 to 2262. A date a
// server claims outside 1970..2200 is as unknown as a malformed one (and
// converting it would overflow).
std::optional<std::chrono::system_clock::time_point> FromSeconds(time_t seconds) {
  constexpr time_t kLatest = 7258118400;  // 2200-01-01T00:00:00Z
  if (seconds < 0 || seconds > kLatest) return std::nullopt;
  return std::chrono::system_clock::from_time_t(seconds);
}

}  // namespace

std::chrono::system_clock::time_point ParseHttpDate(std::string_view text) {
  std::tm tm{};
  const std::string s(text);
  if (strptime(s.c_str(), "%a, %d %b %Y %H:%M:%S", &tm) == nullptr) return {};
  return FromSeconds(timegm(&tm)).value_or(std::chrono::system_clock::time_point{});
}

std::optional<std::chrono::system_clock::time_point> ParseIso8601Strict(std::string_view text) {
  std::tm tm{};
  int consumed = 0;
  const std::string s(text);
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6) {
    return std::nullopt;
  }
  std::string_view rest = text.substr(static_cast<size_t>(consumed));
  if (rest.starts_with('.')) {
    rest.remove_prefix(1);
    while (!rest.empty() && std::isdigit(static_cast<unsigned char>(rest.front()))) {
      rest.remove_prefix(1);
    }
  }
  if (rest != "Z" || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
      tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return FromSeconds(timegm(&tm));
}

std::chrono::system_clock::time_point ParseIso8601(std::string_view text) {
  return ParseIso8601Strict(text).value_or(std::chrono::system_clock::time_point{});
}

}  // namespace objectfs::internal
