#include "stores/azure/azure_store.hpp"

#include <algorithm>

#include "auth/azure_shared_key.hpp"
#include "http/rest.hpp"
#include "http/xml_error.hpp"
#include "stores/azure/azure_xml.hpp"
#include "util/ascii.hpp"
#include "util/uri_encode.hpp"

namespace objectfs::internal {
namespace {

std::string Quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

// Azure error codes that decide the outcome whatever the HTTP status.
constexpr std::pair<std::string_view, long> kErrorCodes[] = {
    {"BlobNotFound", 404}, {"ConditionNotMet", 412}, {"InvalidRange", 416}};

}  // namespace

AzureStore::AzureStore(std::string container, AzureCredentials credentials,
                       std::shared_ptr<HttpTransport> transport)
    : container_(std::move(container)),
      credentials_(std::move(credentials)),
      transport_(std::move(transport)) {
  const std::string& endpoint = credentials_.blob_endpoint;
  const size_t authority = endpoint.find("://") + 3;
  const size_t path = endpoint.find('/', authority);
  origin_ = endpoint.substr(0, path);
  base_path_ = path == std::string::npos ? "" : endpoint.substr(path);
}

std::string AzureStore::Describe() const {
  return container_.empty() ? credentials_.blob_endpoint : "az://" + container_;
}

std::string AzureStore::CacheNamespace() const {
  return credentials_.blob_endpoint + "/" + container_;
}

Result<AzureStore::Call> AzureStore::CallFor(std::string_view key) const {
  Call call;
  if (!container_.empty()) {
    call.container = container_;
    call.blob = std::string(key);
  } else {
    const size_t slash = key.find('/');
    call.container = std::string(key.substr(0, slash));
    if (slash != std::string_view::npos) call.blob = std::string(key.substr(slash + 1));
    if (call.container.empty()) {
      return InvalidArgument("expected " + credentials_.blob_endpoint +
                             "/CONTAINER/BLOB, got no container");
    }
  }
  return call;
}

Result<HttpResponse> AzureStore::Send(const Call& call) {
  std::string path = base_path_ + "/" + UriEncode(call.container, true);
  if (!call.blob.empty()) path += "/" + UriEncode(call.blob, false);
  std::string query;
  for (const auto& [name, value] : call.query) {
    query += (query.empty() ? "" : "&") + UriEncode(name, true) + "=" + UriEncode(value, true);
  }
  if (!credentials_.sas_token.empty() && credentials_.account_key.empty()) {
    query += (query.empty() ? "" : "&") + credentials_.sas_token;
  }
  HttpRequest request;
  request.store = "azure";
  request.method = call.method;
  request.kind = call.kind;
  request.url = origin_ + path + (query.empty() ? "" : "?" + query);
  request.response_buffer = call.response_buffer;
  request.body = call.body;
  request.payload = call.payload;
  Headers headers = call.headers;
  headers.emplace_back("x-ms-version", kApiVersion);
  if (call.method != "GET" && call.method != "HEAD") {
    // SharedKey signs Content-Length and Content-Type: name the length curl
    // sends, and a type (curl would add a form type to any body).
    const size_t length = !call.payload.empty() ? call.payload.size() : call.body.size();
    headers.emplace_back("Content-Length", std::to_string(length));
    const bool typed = std::any_of(headers.begin(), headers.end(), [](const auto& header) {
      return AsciiLower(header.first) == "content-type";
    });
    if (!typed) headers.emplace_back("Content-Type", "application/octet-stream");
  }
  if (!credentials_.account_key.empty()) {
    AzureSignRequest to_sign{call.method, credentials_.account, path, call.query,
                             std::move(headers)};
    request.headers = SignAzureSharedKey(std::move(to_sign), credentials_.account_key,
                                         std::chrono::system_clock::now());
  } else {
    request.headers = std::move(headers);
  }
  return transport_->Send(request);
}

Status AzureStore::ErrorStatus(const Call& call, const HttpResponse& response) const {
  HttpError error = ParseXmlError(response.status, response.body);
  // HEAD responses have no body; the code travels in a header.
  if (const std::string* code = response.Header("x-ms-error-code")) error.code = *code;
  error.request_id = RequestIdOf(response);
  const std::string container =
      "container " + Quoted(call.container) + " of account " + Quoted(credentials_.account);
  if (error.code == "ContainerNotFound") {
    return StatusForHttpError(404, error, {container, /*container=*/true});
  }
  ErrorNames names{call.blob.empty() ? container
                                     : "blob " + Quoted(call.blob) + " in " + container};
  names.credentials = " (credentials from " + credentials_.source + ")";
  return StatusForHttpError(EffectiveStatus(error, kErrorCodes), error, names);
}

Result<ObjectInfo> AzureStore::Stat(std::string_view key) {
  OBJECTFS_ASSIGN_OR_RETURN(Call call, CallFor(key));
  if (call.blob.empty()) {
    return InvalidArgument("no blob name given for container " + Quoted(call.container));
  }
  call.method = "HEAD";
  call.kind = RequestKind::kHead;
  OBJECTFS_ASSIGN_OR_RETURN(HttpResponse response, Send(call));
  if (response.status < 200 || response.status >= 300) return ErrorStatus(call, response);
  return ObjectInfoFromHeaders(response, std::string(key),
                               "Get Blob Properties " + Quoted(call.blob));
}

Result<size_t> AzureStore::Read(std::string_view key, ByteRange range, std::span<std::byte> out,
                                const ReadConditions& conditions) {
  if (range.length == 0) return size_t{0};
  if (out.size() < range.length) return InvalidArgument("read buffer smaller than the range");
  OBJECTFS_ASSIGN_OR_RETURN(Call call, CallFor(key));
  call.headers.emplace_back("x-ms-range", RangeHeaderValue(range));
  if (!conditions.if_match.empty()) call.headers.emplace_back("If-Match", conditions.if_match);
  call.response_buffer = out.first(range.length);
  call.kind = RequestKind::kGet;
  OBJECTFS_ASSIGN_OR_RETURN(HttpResponse response, Send(call));
  const std::string what =
      "Get Blob " + Quoted(call.blob) + " in container " + Quoted(call.container);
  // Azure's 416 carries no size.
  if (NeedsSizeToAnswer(response)) return AnswerAtOrPastTheEnd(range, Stat(key), what);
  if (!IsRangedAnswer(response.status)) return ErrorStatus(call, response);
  return CheckRangedAnswer(response, range, conditions, {}, what);
}

Result<ListPage> AzureStore::List(const ListRequest& request) {
  std::string prefix = request.prefix;
  std::string name_prefix;  // put back in front of names for account-level stores
  Call call;
  if (container_.empty()) {
    OBJECTFS_ASSIGN_OR_RETURN(call, CallFor(request.prefix));
    prefix = call.blob;
    call.blob.clear();
    name_prefix = call.container + "/";
  } else {
    call.container = container_;
  }
  call.query = {
      {"restype", "container"}, {"comp", "list"}, {"maxresults", std::to_string(request.max_keys)}};
  if (!prefix.empty()) call.query.emplace_back("prefix", prefix);
  if (!request.delimiter.empty()) call.query.emplace_back("delimiter", request.delimiter);
  if (!request.page_token.empty()) call.query.emplace_back("marker", request.page_token);
  call.kind = RequestKind::kList;
  OBJECTFS_ASSIGN_OR_RETURN(HttpResponse response, Send(call));
  if (response.status != 200) return ErrorStatus(call, response);
  return ParseListBlobs(response.body, name_prefix);
}

}  // namespace objectfs::internal
