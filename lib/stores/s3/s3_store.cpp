#include "stores/s3/s3_store.hpp"

#include "auth/sigv4.hpp"
#include "core/stats.hpp"
#include "http/content_range.hpp"
#include "http/rest.hpp"
#include "stores/s3/s3_xml.hpp"

namespace objectfs::internal {
namespace {

const std::string kEmptyPayloadSha256 = Sha256Hex("");

std::string QuotedKey(std::string_view key) { return "'" + std::string(key) + "'"; }

}  // namespace

S3Store::S3Store(std::string bucket, S3Settings settings,
                 std::shared_ptr<AwsCredentialProvider> credentials,
                 std::shared_ptr<HttpTransport> transport, StatsCounters* stats)
    : bucket_(std::move(bucket)),
      settings_(std::move(settings)),
      credentials_(std::move(credentials)),
      transport_(std::move(transport)),
      stats_(stats) {
  std::string endpoint = settings_.endpoint_url;
  if (endpoint.empty()) endpoint = "https://s3." + settings_.region + ".amazonaws.com";
  const size_t sep = endpoint.find("://");
  scheme_ = endpoint.substr(0, sep);
  authority_ = endpoint.substr(sep + 3);
  authority_ = authority_.substr(0, authority_.find('/'));
  // A dotted bucket name would not match the TLS wildcard certificate.
  path_style_ =
      settings_.path_style || (scheme_ == "https" && bucket_.find('.') != std::string::npos);
}

Result<HttpResponse> S3Store::Send(const Call& call) {
  std::string host = authority_;
  std::string path;
  if (path_style_) {
    path = "/" + bucket_ + (call.bucket_level ? "" : "/" + UriEncode(call.key, false));
  } else {
    host = bucket_ + "." + authority_;
    path = "/" + (call.bucket_level ? std::string() : UriEncode(call.key, false));
  }
  HttpRequest request;
  request.method = call.method;
  request.response_buffer = call.response_buffer;
  const std::string query = CanonicalQueryString(call.query);
  request.url = scheme_ + "://" + host + path + (query.empty() ? "" : "?" + query);

  SigV4Request to_sign;
  to_sign.method = call.method;
  to_sign.canonical_uri = path;
  to_sign.query = call.query;
  to_sign.headers = call.headers;
  to_sign.headers.emplace_back("host", host);
  to_sign.headers.emplace_back("x-amz-content-sha256", kEmptyPayloadSha256);
  to_sign.payload_sha256_hex = kEmptyPayloadSha256;

  const auto now = std::chrono::system_clock::now();
  OBJECTFS_ASSIGN_OR_RETURN(ResolvedAwsCredentials creds, credentials_->Get(now));
  // Counted once signed and about to go out: a request that never left is not one.
  if (stats_ != nullptr && call.counter != StatsCounters::kNone)
    Add(stats_->Requests(call.counter));
  if (creds.anonymous()) {
    request.headers = std::move(to_sign.headers);
  } else {
    request.headers = SignV4(std::move(to_sign), creds.credentials, settings_.region, "s3", now);
  }
  return transport_->Send(request);
}

Status S3Store::ErrorStatus(const Call& call, const HttpResponse& response) {
  const S3ErrorDocument error = ParseS3Error(response.body);
  std::string detail = error.code.empty()
                           ? "HTTP " + std::to_string(response.status)
                           : error.code + " (HTTP " + std::to_string(response.status) + ")";
  if (!error.message.empty()) detail += ": " + error.message;
  const std::string what = call.bucket_level
                               ? "bucket '" + bucket_ + "'"
                               : "key " + QuotedKey(call.key) + " in bucket '" + bucket_ + "'";
  const std::string& code = error.code;
  const long status = response.status;
  if (code == "NoSuchBucket") return NotFound("bucket '" + bucket_ + "' does not exist: " + detail);
  if (code == "NoSuchKey" || status == 404) return NotFound(what + " not found: " + detail);
  if (code == "PreconditionFailed" || status == 412) {
    return ObjectChanged(what + " changed since it was opened (ETag no longer matches): " + detail);
  }
  if (code == "InvalidRange" || status == 416) return OutOfRange(what + ": " + detail);
  if (status == 401 || status == 403 || code == "AccessDenied" || code == "SignatureDoesNotMatch" ||
      code == "InvalidAccessKeyId" || code == "ExpiredToken" || code == "InvalidToken") {
    auto creds = credentials_->Get(std::chrono::system_clock::now());
    const std::string source = creds.ok() ? creds->source : "unresolved credentials";
    return PermissionDenied("access denied to " + what + ": " + detail + " (credentials from " +
                            source + ")");
  }
  if (status >= 500 || status == 429) return Unavailable(what + ": server error " + detail);
  return InvalidArgument(what + ": request rejected: " + detail);
}

Status S3Store::ExplainHeadFailure(std::string_view key, const HttpResponse& head) {
  Call probe;
  probe.key = std::string(key);
  probe.headers.emplace_back("range", "bytes=0-0");
  probe.counter = StatsCounters::kGet;
  std::byte one[1];
  probe.response_buffer = one;
  auto response = Send(probe);
  if (response.ok() && response->status >= 300 && response->status != 416 &&
      response->status == head.status) {
    return ErrorStatus(probe, *response);
  }
  return ErrorStatus(probe, head);
}

Result<ObjectInfo> S3Store::Stat(std::string_view key) {
  if (key.empty()) return InvalidArgument("no object key given for bucket '" + bucket_ + "'");
  Call call;
  call.method = "HEAD";
  call.key = std::string(key);
  call.counter = StatsCounters::kHead;
  OBJECTFS_ASSIGN_OR_RETURN(HttpResponse response, Send(call));
  if (response.status < 200 || response.status >= 300) return ExplainHeadFailure(key, response);
  ObjectInfo info;
  info.key = std::string(key);
  OBJECTFS_ASSIGN_OR_RETURN(
      info.size, ParseLengthHeader(response, "content-length", "HeadObject " + QuotedKey(key)));
  if (const std::string* etag = response.Header("etag")) info.etag = *etag;
  if (const std::string* modified = response.Header("last-modified")) {
    info.mtime = ParseHttpDate(*modified);
  }
  return info;
}

Result<size_t> S3Store::Read(std::string_view key, ByteRange range, std::span<std::byte> out,
                             const ReadConditions& conditions) {
  if (range.length == 0) return size_t{0};
  if (out.size() < range.length) return InvalidArgument("read buffer smaller than the range");
  Call call;
  call.key = std::string(key);
  call.headers.emplace_back("range", RangeHeaderValue(range));
  if (!conditions.if_match.empty()) call.headers.emplace_back("if-match", conditions.if_match);
  call.response_buffer = out.first(range.length);
  call.counter = StatsCounters::kGet;
  OBJECTFS_ASSIGN_OR_RETURN(HttpResponse response, Send(call));
  if (stats_) Add(stats_->bytes_downloaded, response.buffer_bytes);
  if (response.status == 200 || response.status == 206) {
    OBJECTFS_RETURN_IF_ERROR(CheckPinned(response, conditions, {},
                                         "key " + QuotedKey(key) + " in bucket '" + bucket_ + "'"));
  }

  // Every check below needs the object size: a "*" total counts as malformed.
  ContentRange content_range;
  const bool has_content_range =
      ParseContentRange(response.Header("content-range"), &content_range) &&
      content_range.has_total;
  if (response.status == 416 && has_content_range && range.offset == content_range.total) {
    return size_t{0};  // reading exactly at the end is an empty read, not an error
  }
  if (response.status == 416) {
    return OutOfRange(
        "range starting at byte " + std::to_string(range.offset) + " is past the end of " +
        QuotedKey(key) +
        (has_content_range ? " (size " + std::to_string(content_range.total) + ")" : ""));
  }
  if (response.status == 200) {
    // The whole object came back: acceptable only when we asked from byte 0.
    if (range.offset != 0) {
      return DataLoss("server ignored the Range header for " + QuotedKey(key));
    }
    return response.buffer_bytes;
  }
  if (response.status != 206) return ErrorStatus(call, response);
  const std::string what = "GetObject " + QuotedKey(key);
  if (!has_content_range) {
    return DataLoss(what + ": body does not match Content-Range (" +
                    std::to_string(response.buffer_bytes) + " bytes received)");
  }
  OBJECTFS_RETURN_IF_ERROR(
      CheckPartialBody(response.Header("content-range"), range, response.buffer_bytes, what));
  return response.buffer_bytes;
}

Result<ListPage> S3Store::List(const ListRequest& request) {
  Call call;
  call.bucket_level = true;
  call.query.emplace_back("list-type", "2");
  call.query.emplace_back("max-keys", std::to_string(request.max_keys));
  call.query.emplace_back("prefix", request.prefix);
  if (!request.delimiter.empty()) call.query.emplace_back("delimiter", request.delimiter);
  if (!request.page_token.empty())
    call.query.emplace_back("continuation-token", request.page_token);
  call.counter = StatsCounters::kList;
  OBJECTFS_ASSIGN_OR_RETURN(HttpResponse response, Send(call));
  if (response.status != 200) return ErrorStatus(call, response);
  return ParseListObjectsV2(response.body);
}

}  // namespace objectfs::internal
