// HttpTransport: one HTTP exchange. The curl implementation and the test fakes
// implement it; retries live in RetryingTransport on top.
#pragma once

#include <chrono>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "objectfs/status.hpp"

namespace objectfs::internal {

using Headers = std::vector<std::pair<std::string, std::string>>;

// Which request counter a request bumps (CountingTransport).
enum class RequestKind { kUncounted, kHead, kGet, kList, kPut, kDelete, kOther };

struct HttpRequest {
  std::string method = "GET";
  RequestKind kind = RequestKind::kUncounted;
  // The store that sends it ("s3", "gcs", "azure", "http"): metrics and prices.
  std::string_view store;
  std::string url;  // fully encoded
  Headers headers;
  std::string body;  // request body, e.g. for PUT
  // A request body the caller owns (upload parts: never copied); wins over
  // `body` when non-empty.
  std::span<const std::byte> payload;
  // When non-empty, a 2xx response body is written here (and must fit);
  // other bodies go to HttpResponse::body.
  std::span<std::byte> response_buffer;
  std::chrono::milliseconds timeout{0};          // whole exchange; 0 = none
  std::chrono::milliseconds connect_timeout{0};  // 0 = transport default
};

struct HttpResponse {
  long status = 0;
  Headers headers;          // names lower-cased
  std::string body;         // when not written to response_buffer
  size_t buffer_bytes = 0;  // bytes written to response_buffer

  // The first header with this lower-case name, or nullptr.
  const std::string* Header(std::string_view lower_name) const;
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // One attempt. Any HTTP status is a successful exchange; network failures
  // (refused, timed out, reset) are kUnavailable. Thread-safe.
  virtual Result<HttpResponse> Send(const HttpRequest& request) = 0;
};

}  // namespace objectfs::internal
