#include "util/time_formats.hpp"

#include <cctype>
#include <cstdio>
#include <ctime>
#include <string>

namespace objectfs::internal {

std::chrono::system_clock::time_point ParseHttpDate(std::string_view text) {
  std::tm tm{};
  const std::string s(text);
  if (strptime(s.c_str(), "%a, %d %b %Y %H:%M:%S", &tm) == nullptr) return {};
  const time_t seconds = timegm(&tm);
  if (seconds == static_cast<time_t>(-1)) return {};
  return std::chrono::system_clock::from_time_t(seconds);
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
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

std::chrono::system_clock::time_point ParseIso8601(std::string_view text) {
  return ParseIso8601Strict(text).value_or(std::chrono::system_clock::time_point{});
}

}  // namespace objectfs::internal
