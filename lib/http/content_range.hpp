// Content-Range parsing and the checks every ranged-GET store applies to a 206.
#pragma once

#include <cstdint>
#include <string>

#include "objectfs/status.hpp"
#include "objectfs/store.hpp"

namespace objectfs::internal {

struct ContentRange {
  uint64_t start = 0, end = 0, total = 0;
  bool has_range = false;  // false for "bytes */TOTAL"
  bool has_total = false;  // false for "bytes START-END/*"
};

// Parses "bytes START-END/TOTAL", "bytes */TOTAL" or "bytes START-END/*".
// Returns false when header is null or malformed.
bool ParseContentRange(const std::string* header, ContentRange* out);

// A 206 body for `requested` must start where asked, match Content-Range in
// length, and be shorter than asked only where the object ends. `what` names
// the object in errors.
Status CheckPartialBody(const std::string* content_range_header, ByteRange requested,
                        size_t received, const std::string& what);

}  // namespace objectfs::internal
