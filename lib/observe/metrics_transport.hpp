// Times and counts every request attempt (below the retries, so each try is
// seen), and at debug level logs it with the server's request id.
#pragma once

#include <memory>

#include "http/transport.hpp"
#include "objectfs/log.hpp"
#include "observe/request_metrics.hpp"

namespace objectfs::internal {

// `url` without the values of query parameters that carry credentials (SAS
// signatures, presigned-URL signatures, tokens).
std::string RedactedUrl(std::string_view url);

class MetricsTransport : public HttpTransport {
 public:
  // `log` may be empty; it gets a debug record per attempt when `debug`.
  MetricsTransport(std::shared_ptr<HttpTransport> inner, RequestMetrics* metrics, LogSink log,
                   bool debug);

  // Thread-safe.
  Result<HttpResponse> Send(const HttpRequest& request) override;

 private:
  void LogAttempt(const HttpRequest& request, const Result<HttpResponse>& outcome,
                  std::chrono::nanoseconds elapsed, uint64_t bytes) const;

  std::shared_ptr<HttpTransport> inner_;
  RequestMetrics* metrics_;
  LogSink log_;
  bool debug_;
};

}  // namespace objectfs::internal
