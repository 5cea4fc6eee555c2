#include "stores/gcs/gcs_store.hpp"

#include "http/content_range.hpp"
#include "http/rest.hpp"
#include "stores/gcs/crc32c.hpp"
#include "stores/gcs/gcs_json.hpp"
#include "util/base64.hpp"
#include "util/uri_encode.hpp"

namespace objectfs::internal {
namespace {

std::string Quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

// "http(s)://host[:port][/]" -> "http(s)://host[:port]"; "host:port" means http.
Result<std::string> NormalizeEndpoint(std::string url, std::string_view what) {
  if (url.find("://") == std::string::npos) url = "http://" + url;
  while (url.ends_with("/")) url.pop_back();
  const size_t sep = url.find("://");
  const std::string scheme = url.substr(0, sep);
  const std::string authority = url.substr(sep + 3);
  if ((scheme != "http" && scheme != "https") || authority.empty() ||
      authority.find_first_of("/?#@ ") != std::string::npos) {
    return InvalidArgument(std::string(what) + " '" + url +
                           "' is not http(s)://host[:port] (a GCS JSON API endpoint)");
  }
  return url;
}

// The crc32c value of the x-goog-hash headers ("crc32c=BASE64,md5=BASE64", one
// header or several), or nullopt when the server sent none.
std::optional<uint32_t> ReportedCrc32c(const HttpResponse& response) {
  for (const auto& [name, value] : response.headers) {
    if (name != "x-goog-hash") continue;
    std::string_view rest = value;
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      std::string_view item = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      while (item.starts_with(' ')) item.remove_prefix(1);
      if (!item.starts_with("crc32c=")) continue;
      auto bytes = Base64Decode(item.substr(7));
      if (!bytes.ok() || bytes->size() != 4) return std::nullopt;
      const auto* b = reinterpret_cast<const unsigned char*>(bytes->data());
      return uint32_t{b[0]} << 24 | uint32_t{b[1]} << 16 | uint32_t{b[2]} << 8 | uint32_t{b[3]};
    }
  }
  return std::nullopt;
}

}  // namespace

Result<GcsSettings> ResolveGcsSettings(const GcsOptions& options, const EnvLookup& env) {
  GcsSettings settings;
  std::string emulator = options.emulator_host;
  std::string what = "GCS emulator host";
  if (emulator.empty() && env) {
    emulator = env("STORAGE_EMULATOR_HOST").value_or("");
    what = "STORAGE_EMULATOR_HOST";
  }
  if (!emulator.empty()) {
    OBJECTFS_ASSIGN_OR_RETURN(settings.endpoint, NormalizeEndpoint(emulator, what));
    settings.emulator = true;
  } else if (!options.endpoint.empty()) {
    OBJECTFS_ASSIGN_OR_RETURN(settings.endpoint,
                              NormalizeEndpoint(options.endpoint, "GCS endpoint"));
  }
  return settings;
}

GcsStore::GcsStore(std::string bucket, GcsSettings settings,
                   std::shared_ptr<GcsTokenProvider> tokens,
                   std::shared_ptr<HttpTransport> transport)
    : bucket_(std::move(bucket)),
      settings_(std::move(settings)),
      tokens_(std::move(tokens)),
      transport_(std::move(transport)) {}

std::string GcsStore::What(const Call& call) const {
  return call.bucket_level ? "bucket '" + bucket_ + "'"
                           : "key " + Quoted(call.key) + " in bucket '" + bucket_ + "'";
}

Result<HttpResponse> GcsStore::Send(const Call& call) {
  HttpRequest request;
  request.store = "gcs";
  request.method = call.method;
  request.kind = call.kind;
  if (!call.url.empty()) {
    request.url = call.url;
  } else {
    // The firebase emulator serves objects.rewrite only without /storage/v1.
    const bool short_path = settings_.emulator && !call.suffix.empty();
    request.url = settings_.endpoint + (call.upload ? "/upload" : "") +
                  (short_path ? "/b/" : "/storage/v1/b/") + UriEncode(bucket_, true) + "/o";
    if (!call.bucket_level && !call.upload) request.url += "/" + UriEncode(call.key, true);
    request.url += call.suffix;
    if (!call.query.empty()) request.url += "?" + CanonicalQueryString(call.query);
  }
  request.headers = call.headers;
  request.response_buffer = call.response_buffer;
  request.body = call.body;
  request.payload = call.payload;
  if (!settings_.emulator) {
    auto auth = tokens_->Get(std::chrono::system_clock::now());
    if (!auth.ok()) return auth.status();
    if (!auth->bearer_token.empty()) {
      request.headers.emplace_back("authorization", "Bearer " + auth->bearer_token);
    }
  }
  return transport_->Send(request);
}

Status GcsStore::ErrorStatus(const Call& call, const HttpResponse& response) {
  const HttpError error{response.status, "", GcsErrorMessage(response.body),
                        std::string(RequestIdOf(response))};
  ErrorNames names{What(call), call.bucket_level, "generation"};
  names.credentials =
      " (credentials: " + (settings_.emulator ? "none (emulator)" : tokens_->Describe()) + ")";
  return StatusForHttpError(error.status, error, names);
}

Result<ObjectInfo> GcsStore::Stat(std::string_view key) {
  if (key.empty()) return InvalidArgument("no object key given for bucket '" + bucket_ + "'");
  Call call;
  call.key = std::string(key);
  call.kind = RequestKind::kHead;
  OBJECTFS_ASSIGN_OR_RETURN(HttpResponse response, Send(call));
  if (response.status != 200) return ErrorStatus(call, response);
  auto object = ParseGcsObject(response.body);
  if (!object.ok()) return object.status().WithContext(What(call));
  return std::move(object->info);
}

Result<size_t> GcsStore::Read(std::string_view key, ByteRange range, std::span<std::byte> out,
                              const ReadConditions& conditions) {
  if (range.length == 0) return size_t{0};
  if (out.size() < range.length) return InvalidArgument("read buffer smaller than the range");
  Call call;
  call.key = std::string(key);
  call.query.emplace_back("alt", "media");
  if (!conditions.version.empty()) {
    call.query.emplace_back("generation", conditions.version);
    call.query.emplace_back("ifGenerationMatch", conditions.version);
  }
  call.headers.emplace_back("range", RangeHeaderValue(range));
  // Serve gzip-encoded objects as stored: their size and ranges are of the stored bytes.
  call.headers.emplace_back("accept-encoding", "gzip");
  call.response_buffer = out.first(range.length);
  call.kind = RequestKind::kGet;
  Result<HttpResponse> sent = Send(call);
  if (!sent.ok() && sent.status().code() == StatusCode::kDataLoss && range.offset > 0) {
    // The firebase emulator answers a range at or past the end with the whole
    // object, which then does not fit.
    Result<ObjectInfo> info = Stat(key);
    if (info.ok() && info->size <= range.offset) {
      return AnswerAtOrPastTheEnd(range, info, What(call));
    }
  }
  OBJECTFS_ASSIGN_OR_RETURN(HttpResponse response, std::move(sent));
  return CheckMediaResponse(call, range, conditions, response);
}

Result<size_t> GcsStore::CheckMediaResponse(const Call& call, ByteRange range,
                                            const ReadConditions& conditions,
                                            const HttpResponse& response) {
  const std::string what = What(call);
  if (response.status == 404 && !conditions.version.empty()) {
    return ObjectChanged(what + ": generation " + conditions.version +
                         " is gone (replaced or deleted since it was opened): HTTP 404");
  }
  if (!IsRangedAnswer(response.status)) return ErrorStatus(call, response);
  // The generation pins the bytes; the ETag also changes with metadata updates.
  OBJECTFS_ASSIGN_OR_RETURN(
      size_t n,
      CheckRangedAnswer(
          response, range, conditions,
          {.etag = false, .version = "x-goog-generation", .whole_object_at_end = true}, what));
  ContentRange content_range;
  const uint64_t total = response.status == 200 ? n
                         : ParseContentRange(response.Header("content-range"), &content_range) &&
                                 content_range.has_total
                             ? content_range.total
                             : 0;
  // A read of the whole object can be checked against its CRC-32C at no extra request.
  if (range.offset == 0 && n > 0 && n == total) {
    if (auto expected = ReportedCrc32c(response)) {
      const uint32_t actual = Crc32c(call.response_buffer.first(n));
      if (actual != *expected) {
        return DataLoss("media download of " + what + ": CRC-32C mismatch (the server reported " +
                        std::to_string(*expected) + ", the bytes hash to " +
                        std::to_string(actual) + ")");
      }
    }
  }
  return n;
}

Result<ListPage> GcsStore::List(const ListRequest& request) {
  Call call;
  call.bucket_level = true;
  if (!request.prefix.empty()) call.query.emplace_back("prefix", request.prefix);
  if (!request.delimiter.empty()) call.query.emplace_back("delimiter", request.delimiter);
  if (!request.page_token.empty()) call.query.emplace_back("pageToken", request.page_token);
  call.query.emplace_back("maxResults", std::to_string(request.max_keys));
  call.kind = RequestKind::kList;
  OBJECTFS_ASSIGN_OR_RETURN(HttpResponse response, Send(call));
  if (response.status != 200) return ErrorStatus(call, response);
  auto page = ParseGcsObjectList(response.body);
  if (!page.ok()) return page.status().WithContext(What(call));
  return page;
}

}  // namespace objectfs::internal
