#include "stores/http/http_store.hpp"

#include <string_view>

#include "http/content_range.hpp"
#include "http/rest.hpp"

namespace objectfs::internal {

std::string EncodeUrlPathAndQuery(std::string_view path_and_query) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  static constexpr std::string_view kUnsafe = " \"<>\\^`{|}";
  std::string out;
  out.reserve(path_and_query.size());
  for (unsigned char c : path_and_query) {
    if (c <= 0x20 || c >= 0x7f || kUnsafe.find(static_cast<char>(c)) != std::string_view::npos) {
      out += '%';
      out += kDigits[c >> 4];
      out += kDigits[c & 0xf];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

HttpStore::HttpStore(std::string origin, std::shared_ptr<HttpTransport> transport)
    : origin_(std::move(origin)), transport_(std::move(transport)) {}

std::string HttpStore::UrlFor(std::string_view key) const {
  return origin_ + "/" + EncodeUrlPathAndQuery(key);
}

std::string HttpStore::UrlForMessages(std::string_view key) const {
  return origin_ + "/" + std::string(key.substr(0, key.find('?')));
}

Status HttpStore::ErrorStatus(std::string_view key, const HttpResponse& response) const {
  ErrorNames names{UrlForMessages(key)};
  names.credentials = " (HTTP(S) URLs are fetched without credentials)";
  return StatusForHttpError(response.status, {response.status, "", ""}, names);
}

Result<ObjectInfo> HttpStore::StatWithGet(std::string_view key) {
  HttpRequest request;
  request.store = "http";
  request.url = UrlFor(key);
  request.headers.emplace_back("Range", "bytes=0-0");
  std::byte one[1];
  request.response_buffer = one;
  request.kind = RequestKind::kGet;
  OBJECTFS_ASSIGN_OR_RETURN(HttpResponse response, transport_->Send(request));
  ObjectInfo info;
  info.key = std::string(key);
  ContentRange content_range;
  if (response.status == 206 &&
      ParseContentRange(response.Header("content-range"), &content_range) &&
      content_range.has_total) {
    info.size = content_range.total;
  } else if (response.status == 416 &&
             ParseContentRange(response.Header("content-range"), &content_range) &&
             content_range.has_total && content_range.total == 0) {
    info.size = 0;  // "bytes */0": an empty object has no byte 0
  } else if (response.status >= 200 && response.status < 300) {
    return InvalidArgument(UrlForMessages(key) + ": the server ignores Range requests (HTTP " +
                           std::to_string(response.status) +
                           " instead of 206 Partial Content), so it cannot be read in parts");
  } else {
    return ErrorStatus(key, response);
  }
  VersionFromHeaders(response, &info);
  return info;
}

Result<ObjectInfo> HttpStore::Stat(std::string_view key) {
  HttpRequest request;
  request.store = "http";
  request.method = "HEAD";
  request.url = UrlFor(key);
  request.kind = RequestKind::kHead;
  OBJECTFS_ASSIGN_OR_RETURN(HttpResponse response, transport_->Send(request));
  const std::string* length = response.Header("content-length");
  // Some servers (presigned URLs signed for GET, minimal servers) refuse HEAD
  // or omit the length: the first byte's Content-Range tells the size too.
  if (response.status == 403 || response.status == 405 || response.status == 501 ||
      (response.status >= 200 && response.status < 300 && length == nullptr)) {
    return StatWithGet(key);
  }
  if (response.status < 200 || response.status >= 300) return ErrorStatus(key, response);
  const std::string* accept_ranges = response.Header("accept-ranges");
  if (accept_ranges != nullptr && *accept_ranges == "none") {
    return InvalidArgument(UrlForMessages(key) +
                           ": the server does not accept Range requests (Accept-Ranges: none)");
  }
  return ObjectInfoFromHeaders(response, std::string(key), UrlForMessages(key));
}

Result<size_t> HttpStore::Read(std::string_view key, ByteRange range, std::span<std::byte> out,
                               const ReadConditions& conditions) {
  if (range.length == 0) return size_t{0};
  if (out.size() < range.length) return InvalidArgument("read buffer smaller than the range");
  HttpRequest request;
  request.store = "http";
  request.url = UrlFor(key);
  request.headers.emplace_back("Range", RangeHeaderValue(range));
  // If-Match needs a strong ETag; a weak one is compared on the response instead.
  const bool weak = conditions.if_match.starts_with("W/");
  if (!conditions.if_match.empty() && !weak) {
    request.headers.emplace_back("If-Match", conditions.if_match);
  }
  request.response_buffer = out.first(range.length);
  request.kind = RequestKind::kGet;
  Result<HttpResponse> sent = transport_->Send(request);
  const std::string url = UrlForMessages(key);
  if (!sent.ok() && sent.status().code() == StatusCode::kDataLoss) {
    // The body outgrew the range: a server that ignores Range sends it all.
    return DataLoss(url + ": the server ignores Range: it sent more than the " +
                    std::to_string(range.length) +
                    " bytes asked for (expected 206 Partial Content)");
  }
  OBJECTFS_ASSIGN_OR_RETURN(HttpResponse response, std::move(sent));
  if (!IsRangedAnswer(response.status)) return ErrorStatus(key, response);
  return CheckRangedAnswer(response, range, conditions, {}, url);
}

Result<ListPage> HttpStore::List(const ListRequest& request) {
  return Unimplemented("listing is not available for " + origin_ + "/" + request.prefix +
                       ": plain HTTP(S) servers have no listing; name a full object URL");
}

}  // namespace objectfs::internal
