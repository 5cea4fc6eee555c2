#include "stores/s3/s3_store.hpp"

#include "auth/sigv4.hpp"
#include "http/rest.hpp"
#include "http/xml_error.hpp"
#include "stores/s3/s3_xml.hpp"
#include "util/md5.hpp"

namespace objectfs::internal {
namespace {

const std::string kEmptyPayloadSha256 = Sha256Hex("");

std::string QuotedKey(std::string_view key) { return "'" + std::string(key) + "'"; }

// S3 error codes that decide the outcome whatever the HTTP status.
constexpr std::pair<std::string_view, long> kErrorCodes[] = {
    {"NoSuchKey", 404},    {"PreconditionFailed", 412},    {"InvalidRange", 416},
    {"AccessDenied", 403}, {"SignatureDoesNotMatch", 403}, {"InvalidAccessKeyId", 403},
    {"ExpiredToken", 403}, {"InvalidToken", 403},
};

}  // namespace

S3Store::S3Store(std::string bucket, S3Settings settings,
                 std::shared_ptr<AwsCredentialProvider> credentials,
                 std::shared_ptr<HttpTransport> transport)
    : bucket_(std::move(bucket)),
      settings_(std::move(settings)),
      credentials_(std::move(credentials)),
      transport_(std::move(transport)) {
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
  request.store = "s3";
  request.method = call.method;
  request.kind = call.kind;
  request.response_buffer = call.response_buffer;
  request.body = call.body;
  request.payload = call.payload;
  const std::string query = CanonicalQueryString(call.query);
  request.url = scheme_ + "://" + host + path + (query.empty() ? "" : "?" + query);

  SigV4Request to_sign;
  to_sign.method = call.method;
  to_sign.canonical_uri = path;
  to_sign.query = call.query;
  to_sign.headers = call.headers;
  to_sign.headers.emplace_back("host", host);
  const auto now = std::chrono::system_clock::now();
  OBJECTFS_ASSIGN_OR_RETURN(ResolvedAwsCredentials creds, credentials_->Get(now));
  // The server checks the body against the signed SHA-256 of it (SHA-NI makes
  // it cheaper than MD5): that is each upload's integrity check. Anonymous
  // uploads carry Content-MD5 instead.
  std::string payload_hash = kEmptyPayloadSha256;
  if (!call.payload.empty()) {
    const std::string_view bytes(reinterpret_cast<const char*>(call.payload.data()),
                                 call.payload.size());
    if (creds.anonymous()) {
      payload_hash = "UNSIGNED-PAYLOAD";
      to_sign.headers.emplace_back("content-md5", ContentMd5(call.payload));
    } else {
      payload_hash = Sha256Hex(bytes);
    }
  } else if (!call.body.empty()) {
    payload_hash = Sha256Hex(call.body);
  }
  to_sign.headers.emplace_back("x-amz-content-sha256", payload_hash);
  to_sign.payload_sha256_hex = payload_hash;

  if (creds.anonymous()) {
    request.headers = std::move(to_sign.headers);
  } else {
    request.headers = SignV4(std::move(to_sign), creds.credentials, settings_.region, "s3", now);
  }
  return transport_->Send(request);
}

std::string S3Store::What(const Call& call) const {
  return call.bucket_level ? "bucket '" + bucket_ + "'"
                           : "key " + QuotedKey(call.key) + " in bucket '" + bucket_ + "'";
}

Status S3Store::ErrorStatus(const Call& call, const HttpResponse& response) {
  HttpError error = ParseXmlError(response.status, response.body);
  error.request_id = RequestIdOf(response);
  if (error.code == "NoSuchBucket") {
    return StatusForHttpError(404, error, {"bucket '" + bucket_ + "'", /*container=*/true});
  }
  ErrorNames names{What(call)};
  const long status = EffectiveStatus(error, kErrorCodes);
  if (status == 401 || status == 403) {
    auto creds = credentials_->Get(std::chrono::system_clock::now());
    names.credentials =
        " (credentials from " + (creds.ok() ? creds->source : "unresolved credentials") + ")";
  }
  return StatusForHttpError(status, error, names);
}

Status S3Store::ExplainHeadFailure(std::string_view key, const HttpResponse& head) {
  Call probe;
  probe.key = std::string(key);
  probe.headers.emplace_back("range", "bytes=0-0");
  probe.kind = RequestKind::kGet;
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
  call.kind = RequestKind::kHead;
  OBJECTFS_ASSIGN_OR_RETURN(HttpResponse response, Send(call));
  if (response.status < 200 || response.status >= 300) return ExplainHeadFailure(key, response);
  return ObjectInfoFromHeaders(response, std::string(key), "HeadObject " + QuotedKey(key));
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
  call.kind = RequestKind::kGet;
  OBJECTFS_ASSIGN_OR_RETURN(HttpResponse response, Send(call));
  if (NeedsSizeToAnswer(response)) return AnswerAtOrPastTheEnd(range, Stat(key), What(call));
  if (!IsRangedAnswer(response.status)) return ErrorStatus(call, response);
  return CheckRangedAnswer(response, range, conditions, {}, What(call));
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
  call.kind = RequestKind::kList;
  OBJECTFS_ASSIGN_OR_RETURN(HttpResponse response, Send(call));
  if (response.status != 200) return ErrorStatus(call, response);
  return ParseListObjectsV2(response.body);
}

}  // namespace objectfs::internal
