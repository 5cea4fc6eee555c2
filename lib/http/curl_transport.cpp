#include "http/curl_transport.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <mutex>
#include <string>

#include "util/ascii.hpp"

namespace objectfs::internal {
namespace {

// Bodies not written to a caller's buffer (errors, listings) are held in
// memory; a server sending more than this is misbehaving.
constexpr size_t kMaxStringBody = 64u << 20;

void GlobalInitOnce() {
  // curl_global_init is not thread-safe on every libcurl build; run it once.
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

// Per-request state shared with curl's callbacks.
struct Exchange {
  const HttpRequest* request;
  HttpResponse* response;
  bool overflow = false;
  // The blank line after the headers arrived: curl takes a connection closed
  // in the middle of the headers as a complete answer.
  bool headers_complete = false;
};

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  std::string_view line(data, size * count);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.starts_with("HTTP/")) {
    // A new status line (after 100-continue or a redirect) starts a new response.
    ex->response->headers.clear();
    ex->headers_complete = false;
    const size_t space = line.find(' ');
    if (space != std::string_view::npos) {
      ex->response->status =
          std::strtol(std::string(line.substr(space + 1, 3)).c_str(), nullptr, 10);
    }
    return size * count;
  }
  if (line.empty()) {
    ex->headers_complete = true;
    return size * count;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return size * count;
  std::string name = AsciiLower(line.substr(0, colon));
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  ex->response->headers.emplace_back(std::move(name), std::string(value));
  return size * count;
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  const size_t n = size * count;
  HttpResponse& resp = *ex->response;
  const bool to_buffer =
      !ex->request->response_buffer.empty() && resp.status >= 200 && resp.status < 300;
  if (to_buffer) {
    auto& buffer = ex->request->response_buffer;
    if (resp.buffer_bytes + n > buffer.size()) {
      ex->overflow = true;
      return 0;  // aborts the transfer
    }
    std::memcpy(buffer.data() + resp.buffer_bytes, data, n);
    resp.buffer_bytes += n;
    return n;
  }
  if (resp.body.size() + n > kMaxStringBody) {
    ex->overflow = true;
    return 0;
  }
  resp.body.append(data, n);
  return n;
}

bool IsCertificateError(CURLcode rc) {
  return rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CERTPROBLEM ||
         rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_SSL_ISSUER_ERROR ||
         rc == CURLE_SSL_PINNEDPUBKEYNOTMATCH || rc == CURLE_SSL_INVALIDCERTSTATUS;
}

// The URL without its query: presigned URLs carry signatures there.
std::string UrlForMessages(const std::string& url) { return url.substr(0, url.find('?')); }

}  // namespace

void CurlTransport::EasyDeleter::operator()(CURL* handle) const { curl_easy_cleanup(handle); }

CurlTransport::CurlTransport(const HttpOptions& options) : options_(options) { GlobalInitOnce(); }

CurlTransport::~CurlTransport() = default;

CurlTransport::EasyHandle CurlTransport::Acquire() {
  std::unique_lock lock(mu_);
  available_.wait(lock, [&] { return in_use_ < std::max(1, options_.max_connections); });
  ++in_use_;
  if (!idle_.empty()) {
    EasyHandle handle = std::move(idle_.back());
    idle_.pop_back();
    return handle;
  }
  lock.unlock();
  return EasyHandle(curl_easy_init());
}

void CurlTransport::Release(EasyHandle handle) {
  {
    std::lock_guard lock(mu_);
    --in_use_;
    if (handle) idle_.push_back(std::move(handle));
  }
  available_.notify_one();
}

Result<HttpResponse> CurlTransport::Send(const HttpRequest& request) {
  EasyHandle handle = Acquire();
  if (!handle) {
    Release(nullptr);
    return Internal("curl_easy_init failed");
  }
  CURL* curl = handle.get();
  curl_easy_reset(curl);  // keeps live connections and caches, drops options

  HttpResponse response;
  Exchange ex{&request, &response};
  Slist headers;
  for (const auto& [name, value] : request.headers) {
    const std::string line = name + ": " + value;
    curl_slist* next = curl_slist_append(headers.get(), line.c_str());
    if (next == nullptr) {
      Release(std::move(handle));
      return Internal("out of memory building HTTP headers");
    }
    headers.release();
    headers.reset(next);
  }
  // curl adds "Expect: 100-continue" to bodies; servers and signatures don't need it.
  headers.reset(curl_slist_append(headers.release(), "Expect:"));

  const auto connect_timeout =
      request.connect_timeout.count() > 0 ? request.connect_timeout : options_.connect_timeout;
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  // Keys may hold "/../" or "/./": send them as signed, never squashed.
  curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);
  curl_easy_setopt(curl, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, options_.low_speed_limit_bytes);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME,
                   static_cast<long>(options_.low_speed_time.count()));
  if (request.timeout.count() > 0) {
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  }
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(curl, CURLOPT_BUFFERSIZE, 512L * 1024);
  if (!options_.ca_bundle.empty())
    curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_bundle.c_str());
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &ex);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &ex);
  if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (request.method != "GET" || !request.body.empty() || !request.payload.empty()) {
    const bool payload = !request.payload.empty();
    const void* data = payload ? static_cast<const void*>(request.payload.data())
                               : static_cast<const void*>(request.body.data());
    const size_t size = payload ? request.payload.size() : request.body.size();
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    // POSTFIELDS sends from the caller's memory without copying it.
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, data);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(size));
  }
  char error_buffer[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);

  const CURLcode rc = curl_easy_perform(curl);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
  Release(std::move(handle));

  const std::string where = request.method + " " + UrlForMessages(request.url);
  if (ex.overflow) {
    return DataLoss(where + ": server sent more bytes than requested (" +
                    std::to_string(request.response_buffer.size()) + " expected)");
  }
  if (rc != CURLE_OK) {
    std::string detail = error_buffer[0] ? error_buffer : curl_easy_strerror(rc);
    detail = where + ": " + detail + " (curl error " + std::to_string(rc) + ")";
    // An untrusted certificate does not heal on a retry: fail at once.
    if (IsCertificateError(rc)) return PermissionDenied(detail + " (see --ca-bundle)");
    return Unavailable(detail);
  }
  if (!ex.headers_complete) {
    return Unavailable(where + ": the connection closed in the middle of the answer's headers");
  }
  return response;
}

}  // namespace objectfs::internal
