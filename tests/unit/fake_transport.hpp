// In-process HttpTransport for unit tests: scripted responses, recorded requests.
#pragma once

#include <cstring>
#include <deque>
#include <functional>
#include <mutex>
#include <vector>

#include "http/transport.hpp"

namespace objectfs::testing {

using internal::HttpRequest;
using internal::HttpResponse;

struct ScriptedResponse {
  Status error;  // non-OK: the exchange fails (network error)
  long status = 200;
  internal::Headers headers;
  std::string body;
};

class FakeTransport : public internal::HttpTransport {
 public:
  // Queue responses in order; when empty, `fallback` answers (if set).
  void Push(ScriptedResponse response) {
    std::lock_guard lock(mu_);
    script_.push_back(std::move(response));
  }
  std::function<ScriptedResponse(const HttpRequest&)> fallback;

  Result<HttpResponse> Send(const HttpRequest& request) override {
    ScriptedResponse next;
    {
      std::lock_guard lock(mu_);
      requests.push_back(request);
      if (!script_.empty()) {
        next = std::move(script_.front());
        script_.pop_front();
      } else if (fallback) {
        next = fallback(request);
      } else {
        return Internal("FakeTransport: no scripted response for " + request.url);
      }
    }
    if (!next.error.ok()) return next.error;
    HttpResponse response;
    response.status = next.status;
    response.headers = next.headers;
    const bool to_buffer =
        !request.response_buffer.empty() && next.status >= 200 && next.status < 300;
    if (to_buffer) {
      if (next.body.size() > request.response_buffer.size()) {
        return DataLoss("server sent more bytes than requested");
      }
      std::memcpy(request.response_buffer.data(), next.body.data(), next.body.size());
      response.buffer_bytes = next.body.size();
    } else {
      response.body = next.body;
    }
    return response;
  }

  std::vector<HttpRequest> requests;  // read after the calls under test return

 private:
  std::mutex mu_;
  std::deque<ScriptedResponse> script_;
};

inline std::string HeaderOf(const HttpRequest& request, std::string_view name) {
  for (const auto& [n, v] : request.headers) {
    std::string lower = n;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == name) return v;
  }
  return {};
}

}  // namespace objectfs::testing
