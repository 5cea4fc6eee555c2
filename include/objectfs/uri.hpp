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
  // ToString() for errors and logs: an http(s) URI without its query, where
  // presigned URLs carry their signatures and tokens.
  std::string ForMessages() const;
};

// How the part after "scheme://" reads for a scheme.
enum class UriStyle {
  kBucket,  // BUCKET/KEY, with bucket names as S3, GCS and Azure allow them
  kHost,    // HOST[:PORT]/PATH?QUERY (http, https)
  kPath,    // /ABSOLUTE/PATH (file)
};

// Parses `text` for the built-in schemes (s3, gs, az, http, https, file). A
// string without "scheme://" is a local path (scheme "file"). Errors name what
// is wrong: unknown scheme, missing bucket, invalid bucket name. A Client
// parses with its own registry, which also knows the schemes registered on it.
Result<Uri> ParseUri(std::string_view text);

}  // namespace objectfs
