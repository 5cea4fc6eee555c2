// Object URIs: s3://bucket/key, gs://, az://, http(s)://, file:///path or a plain path.
#pragma once

#include <string>
#include <string_view>

#include "objectfs/status.hpp"

namespace objectfs {

struct Uri {
  std::string scheme;  // "s3", "gs", "az", "http", "https", "file"
  std::string bucket;  // bucket / container; host[:port] for http(s); empty for file
  std::string key;     // object key without leading '/'; absolute path for file

  // Canonical text form, e.g. "s3://bucket/key" or "file:///tmp/x".
  std::string ToString() const;
};

// Parses `text`. A string without "scheme://" is a local path (scheme "file").
// Errors name what is wrong: unknown scheme, missing bucket, invalid bucket name.
Result<Uri> ParseUri(std::string_view text);

}  // namespace objectfs
