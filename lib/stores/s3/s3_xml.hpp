// Parsing of S3's XML responses (ListObjectsV2 and error documents).
#pragma once

#include <string>
#include <string_view>

#include "objectfs/status.hpp"
#include "objectfs/store.hpp"

namespace objectfs::internal {

struct S3ErrorDocument {
  std::string code;     // e.g. "NoSuchKey"; empty when the body was not an S3 error
  std::string message;  // the server's own words
  std::string request_id;
};

// Never fails: a body that is not an error document gives empty fields.
S3ErrorDocument ParseS3Error(std::string_view body);

// A ListBucketResult (ListObjectsV2) page.
Result<ListPage> ParseListObjectsV2(std::string_view body);

// "Wed, 21 Oct 2015 07:28:00 GMT" (HTTP dates) and "2015-10-21T07:28:00.000Z"
// (ISO-8601 in listings). Unparseable text gives the epoch.
std::chrono::system_clock::time_point ParseHttpDate(std::string_view text);
std::chrono::system_clock::time_point ParseIso8601(std::string_view text);

}  // namespace objectfs::internal
