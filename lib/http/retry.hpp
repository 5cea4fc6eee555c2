// Retries with jittered exponential backoff, layered over any HttpTransport.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <random>

#include "http/transport.hpp"
#include "objectfs/options.hpp"

namespace objectfs::internal {

struct StatsCounters;

// 5xx, 429 (Too Many Requests) and 503 SlowDown are worth another try; any
// other status is the server's final word.
bool IsRetryableHttpStatus(long status);

// Delay before retry number `retry` (1-based): half of min(max, initial*2^(retry-1))
// plus a uniform random part of the other half, so clients spread out.
std::chrono::milliseconds BackoffDelay(const RetryOptions& options, int retry,
                                       std::mt19937_64& rng);

class RetryingTransport : public HttpTransport {
 public:
  using Sleeper = std::function<void(std::chrono::milliseconds)>;

  RetryingTransport(std::shared_ptr<HttpTransport> inner, RetryOptions options,
                    StatsCounters* stats = nullptr, Sleeper sleeper = {});

  // Thread-safe. Returns the first non-retryable outcome, or the last one once
  // attempts are exhausted (network errors then say how many were made).
  Result<HttpResponse> Send(const HttpRequest& request) override;

 private:
  std::chrono::milliseconds NextDelay(int retry, const HttpResponse* response);

  std::shared_ptr<HttpTransport> inner_;
  const RetryOptions options_;
  StatsCounters* stats_;
  Sleeper sleeper_;
  std::mutex rng_mu_;
  std::mt19937_64 rng_;
};

}  // namespace objectfs::internal
