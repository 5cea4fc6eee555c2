// The GCS JSON API documents the store reads: object resources, object
// listings and error answers.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "objectfs/status.hpp"
#include "objectfs/store.hpp"

namespace objectfs::internal {

struct GcsObjectMetadata {
  ObjectInfo info;     // key = name, size, etag, mtime = updated, version = generation
  std::string crc32c;  // base64 of the big-endian CRC-32C, as the API sends it
  std::string md5;     // base64; absent for composite objects
};

// An object resource ("kind": "storage#object"). DataLoss naming the field when
// name, size or generation is missing or malformed.
Result<GcsObjectMetadata> ParseGcsObject(std::string_view json);

// An objects.list answer: items, prefixes, nextPageToken.
Result<ListPage> ParseGcsObjectList(std::string_view json);

// An objects.rewrite answer: done, or the token that continues it.
struct GcsRewriteProgress {
  bool done = false;
  std::string rewrite_token;
  GcsObjectMetadata resource;  // set when done
};
Result<GcsRewriteProgress> ParseGcsRewrite(std::string_view json);

// {"contentType": TYPE}: the metadata that starts a resumable upload (the
// name travels in the query). Bytes that are not UTF-8 become U+FFFD.
std::string GcsUploadMetadataJson(std::string_view content_type);

// "error.message" of {"error": {"code": 404, "message": "...", "errors": [...]}},
// else a plain-text body (trimmed, at most 300 bytes); "" when there is none.
std::string GcsErrorMessage(std::string_view body);

}  // namespace objectfs::internal
