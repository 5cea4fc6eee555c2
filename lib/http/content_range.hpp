// Content-Range of a 206 (or 416) answer: "bytes START-END/TOTAL" or "bytes */TOTAL".
#pragma once

#include <cstdint>
#include <string>

namespace objectfs::internal {

struct ContentRange {
  uint64_t start = 0, end = 0, total = 0;  // end inclusive
  bool has_range = false;                  // false for "bytes */TOTAL"
};

// False when `header` is null or malformed (a "*" total counts as malformed:
// every store here needs the object size).
bool ParseContentRange(const std::string* header, ContentRange* out);

}  // namespace objectfs::internal
