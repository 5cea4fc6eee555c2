#include "http/rest.hpp"

#include <charconv>

#include "http/content_range.hpp"
#include "util/time_formats.hpp"

namespace objectfs::internal {

std::string RangeHeaderValue(ByteRange range) {
  return "bytes=" + std::to_string(range.offset) + "-" + std::to_string(range.end() - 1);
}

Result<uint64_t> ParseLengthHeader(const HttpResponse& response, std::string_view name,
                                   const std::string& what) {
  const std::string* text = response.Header(name);
  if (text == nullptr) {
    return DataLoss(what + ": the answer has no " + std::string(name) + " header");
  }
  uint64_t value = 0;
  const char* end = text->data() + text->size();
  auto [ptr, ec] = std::from_chars(text->data(), end, value);
  if (text->empty() || ec != std::errc() || ptr != end) {
    return DataLoss(what + ": malformed " + std::string(name) + " header '" + *text +
                    "' (expected a byte count)");
  }
  return value;
}

void VersionFromHeaders(const HttpResponse& response, ObjectInfo* info) {
  if (const std::string* etag = response.Header("etag")) info->etag = *etag;
  if (const std::string* modified = response.Header("last-modified")) {
    info->mtime = ParseHttpDate(*modified);
  }
}

Result<ObjectInfo> ObjectInfoFromHeaders(const HttpResponse& response, std::string key,
                                         const std::string& what) {
  ObjectInfo info;
  info.key = std::move(key);
  OBJECTFS_ASSIGN_OR_RETURN(info.size, ParseLengthHeader(response, "content-length", what));
  VersionFromHeaders(response, &info);
  return info;
}

Status CheckPinned(const HttpResponse& response, const ReadConditions& pin, AnswerChecks headers,
                   const std::string& what) {
  if (headers.etag && !pin.if_match.empty()) {
    const std::string* etag = response.Header("etag");
    if (etag != nullptr && *etag != pin.if_match) {
      return ObjectChanged(what + " changed since it was opened (the server answered with ETag " +
                           *etag + ", pinned " + pin.if_match + ")");
    }
  }
  if (!headers.version.empty() && !pin.version.empty()) {
    const std::string* version = response.Header(headers.version);
    if (version != nullptr && *version != pin.version) {
      return ObjectChanged(what + " changed since it was opened (the server answered with " +
                           std::string(headers.version) + " " + *version + ", pinned " +
                           pin.version + ")");
    }
  }
  return Status::Ok();
}

namespace {

Status PastTheEnd(ByteRange range, const std::string& what, const std::string& size) {
  return OutOfRange("range starting at byte " + std::to_string(range.offset) +
                    " is past the end of " + what + (size.empty() ? "" : " (size " + size + ")"));
}

}  // namespace

bool NeedsSizeToAnswer(const HttpResponse& response) {
  ContentRange content_range;
  ParseContentRange(response.Header("content-range"), &content_range);
  return response.status == 416 && !content_range.has_total;
}

Result<size_t> AnswerAtOrPastTheEnd(ByteRange range, const Result<ObjectInfo>& info,
                                    const std::string& what) {
  if (info.ok() && info->size == range.offset) return size_t{0};
  return PastTheEnd(range, what, info.ok() ? std::to_string(info->size) : "");
}

Result<size_t> CheckRangedAnswer(const HttpResponse& response, ByteRange range,
                                 const ReadConditions& pin, AnswerChecks checks,
                                 const std::string& what) {
  ContentRange content_range;
  // "bytes 10-9/10" (Azurite, at the end) fails to parse as a range but still
  // carries the total.
  ParseContentRange(response.Header("content-range"), &content_range);
  const bool has_total = content_range.has_total;
  if (response.status == 416) {
    if (has_total && range.offset == content_range.total) return size_t{0};
    return PastTheEnd(range, what, has_total ? std::to_string(content_range.total) : "");
  }
  OBJECTFS_RETURN_IF_ERROR(CheckPinned(response, pin, checks, what));
  if (response.status == 206 && response.buffer_bytes == 0 && has_total &&
      range.offset >= content_range.total) {
    if (range.offset == content_range.total) return size_t{0};
    return PastTheEnd(range, what, std::to_string(content_range.total));
  }
  if (response.status == 200) {
    const size_t total = response.buffer_bytes;  // the whole object came back
    if (range.offset == 0) return total;
    if (checks.whole_object_at_end && total == range.offset) return size_t{0};
    if (checks.whole_object_at_end && total < range.offset) {
      return PastTheEnd(range, what, std::to_string(total));
    }
    return DataLoss(what + ": the server ignored the Range header (HTTP 200 instead of 206)");
  }
  OBJECTFS_RETURN_IF_ERROR(
      CheckPartialBody(response.Header("content-range"), range, response.buffer_bytes, what));
  return response.buffer_bytes;
}

std::string DescribeHttpError(const HttpError& error) {
  const std::string http = "HTTP " + std::to_string(error.status);
  std::string detail = error.code.empty() ? http : error.code + " (" + http + ")";
  if (!error.message.empty()) detail += ": " + error.message;
  if (!error.request_id.empty()) detail += " (request id " + error.request_id + ")";
  return detail;
}

std::string_view RequestIdOf(const HttpResponse& response) {
  for (std::string_view name : {"x-amz-request-id", "x-ms-request-id", "x-guploader-uploadid"}) {
    if (const std::string* id = response.Header(name)) return *id;
  }
  return {};
}

long EffectiveStatus(const HttpError& error, ErrorCodeTable codes) {
  for (const auto& [code, status] : codes) {
    if (code == error.code) return status;
  }
  return error.status;
}

Status StatusForHttpError(long status, const HttpError& error, const ErrorNames& names) {
  const std::string detail = DescribeHttpError(error);
  const std::string& what = names.what;
  if (status == 404 || status == 410) {
    return NotFound(what + (names.container ? " does not exist: " : " not found: ") + detail);
  }
  if (status == 412) {
    return ObjectChanged(what + " changed since it was opened (" + std::string(names.pin) +
                         " no longer matches): " + detail);
  }
  if (status == 416) return OutOfRange(what + ": " + detail);
  if (status == 401 || status == 403) {
    return PermissionDenied("access denied to " + what + ": " + detail + names.credentials);
  }
  if (status >= 500 || status == 429) return Unavailable(what + ": server error " + detail);
  return InvalidArgument(what + ": request rejected: " + detail);
}

}  // namespace objectfs::internal
