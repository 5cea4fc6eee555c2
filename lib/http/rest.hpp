// The parts of a REST object store that do not depend on its dialect: the
// Range header, strict length headers, ObjectInfo from headers, the checks a
// ranged answer must pass (including that it is of the pinned version), and
// HTTP status -> Status. Stores keep only their URLs, signing, error
// documents and special codes.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/transport.hpp"
#include "objectfs/status.hpp"
#include "objectfs/store.hpp"

namespace objectfs::internal {

// One request of a store, before its dialect turns it into a URL and signs
// it; stores extend it with what names the object.
struct RestCall {
  std::string method = "GET";
  std::vector<std::pair<std::string, std::string>> query;  // not yet encoded
  Headers headers;
  std::span<std::byte> response_buffer;  // where a 2xx body goes, if set
  std::string body;                      // a small request body (XML, JSON)
  std::span<const std::byte> payload;    // object bytes to send, not copied
  RequestKind kind = RequestKind::kUncounted;
};

// "bytes=FIRST-LAST" for a non-empty range.
std::string RangeHeaderValue(ByteRange range);

// The decimal value of header `name` (lower case). Missing, empty or anything
// but digits is kDataLoss naming the header and `what`: never size 0.
Result<uint64_t> ParseLengthHeader(const HttpResponse& response, std::string_view name,
                                   const std::string& what);

// The ETag and Last-Modified of an answer, as servers send them.
void VersionFromHeaders(const HttpResponse& response, ObjectInfo* info);

// An object's metadata from a HEAD-style answer: Content-Length (strict),
// ETag, Last-Modified. `what` names the request in errors.
Result<ObjectInfo> ObjectInfoFromHeaders(const HttpResponse& response, std::string key,
                                         const std::string& what);

// How a store's answers say which version they carry, and its quirks.
struct AnswerChecks {
  bool etag = true;               // the ETag header must equal ReadConditions::if_match
  std::string_view version = {};  // header that must equal ReadConditions::version, if any
  // A 200 to a range at or past the end is the whole (shorter) object, not a
  // server ignoring Range (the firebase GCS emulator answers so).
  bool whole_object_at_end = false;
};

// A successful answer to a pinned read must be of the pinned version: a
// server that ignores If-Match (or a cache in front of it) may send another
// version's bytes. A header the answer does not carry cannot be checked.
Status CheckPinned(const HttpResponse& response, const ReadConditions& pin, AnswerChecks headers,
                   const std::string& what);

// 200, 206 and 416 are answers to a ranged GET; anything else is an error for
// the store's own error mapping.
inline bool IsRangedAnswer(long status) { return status == 200 || status == 206 || status == 416; }

// The byte count of a ranged answer (IsRangedAnswer) to a read of `range`,
// checked: a 206 must match Content-Range and be short only at the object's
// end; a 200 is the whole object, so it is valid from offset 0 only; a 416 at
// exactly the end is an empty read, past it kOutOfRange. A 200/206 must also
// be of the pinned version.
Result<size_t> CheckRangedAnswer(const HttpResponse& response, ByteRange range,
                                 const ReadConditions& pin, AnswerChecks checks,
                                 const std::string& what);

// 416 says "not satisfiable" but some servers leave out the size, and some
// answer a range at or past the end otherwise (a whole-object 200 that does
// not fit): whether `range` starts exactly at the end (0 bytes) or past it
// (kOutOfRange) is then decided by the object's size from a Stat.
bool NeedsSizeToAnswer(const HttpResponse& response);
Result<size_t> AnswerAtOrPastTheEnd(ByteRange range, const Result<ObjectInfo>& info,
                                    const std::string& what);

// What a failed request's answer said: the status and, where the store's
// error document (or header) has them, its code and message.
struct HttpError {
  long status = 0;
  std::string code;
  std::string message;
  std::string request_id = {};  // RequestIdOf the answer: support asks for it
};

// The server's id of a request (S3 x-amz-request-id, Azure x-ms-request-id,
// GCS x-guploader-uploadid), or empty.
std::string_view RequestIdOf(const HttpResponse& response);

// "CODE (HTTP 404): message (request id R)", without the parts that are empty.
std::string DescribeHttpError(const HttpError& error);

// Store-specific error codes that decide the outcome whatever the status
// (S3's NoSuchKey, Azure's ConditionNotMet, ...): code -> the status it means.
using ErrorCodeTable = std::span<const std::pair<std::string_view, long>>;
long EffectiveStatus(const HttpError& error, ErrorCodeTable codes);

// How a store names things in errors.
struct ErrorNames {
  ErrorNames(std::string what, bool container = false, std::string_view pin = "ETag")
      : what(std::move(what)), container(container), pin(pin) {}

  std::string what;              // e.g. "key 'k' in bucket 'b'"
  bool container;                // `what` is a bucket: 404 "does not exist"
  std::string_view pin;          // what a 412 says no longer matches
  std::string credentials = {};  // appended to access errors, e.g. " (credentials from X)"
};

// The one HTTP status ladder: 404 not found, 412 object changed, 416 out of
// range, 401/403 permission denied, 5xx/429 unavailable, other 4xx invalid
// argument. `status` is EffectiveStatus() where the store has special codes.
Status StatusForHttpError(long status, const HttpError& error, const ErrorNames& names);

}  // namespace objectfs::internal
