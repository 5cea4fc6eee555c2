#include "http/retry.hpp"

#include <algorithm>
#include <string>
#include <thread>

#include "core/stats.hpp"

namespace objectfs::internal {

bool IsRetryableHttpStatus(long status) {
  return status == 429 || (status >= 500 && status <= 599);
}

std::chrono::milliseconds BackoffDelay(const RetryOptions& options, int retry,
                                       std::mt19937_64& rng) {
  const int64_t initial = std::max<int64_t>(1, options.initial_backoff.count());
  const int64_t cap = std::max<int64_t>(initial, options.max_backoff.count());
  int64_t ceiling = initial;
  for (int i = 1; i < retry && ceiling < cap; ++i) ceiling *= 2;
  ceiling = std::min(ceiling, cap);
  std::uniform_int_distribution<int64_t> jitter(0, ceiling - ceiling / 2);
  return std::chrono::milliseconds(ceiling / 2 + jitter(rng));
}

RetryingTransport::RetryingTransport(std::shared_ptr<HttpTransport> inner, RetryOptions options,
                                     StatsCounters* stats, Sleeper sleeper)
    : inner_(std::move(inner)),
      options_(options),
      stats_(stats),
      sleeper_(sleeper ? std::move(sleeper) : Sleeper([](std::chrono::milliseconds d) {
        std::this_thread::sleep_for(d);
      })),
      rng_(std::random_device{}()) {}

std::chrono::milliseconds RetryingTransport::NextDelay(int retry, const HttpResponse* response) {
  std::chrono::milliseconds delay;
  {
    std::lock_guard lock(rng_mu_);
    delay = BackoffDelay(options_, retry, rng_);
  }
  // Honour a server's Retry-After (seconds) when it asks for longer, within max_backoff.
  if (response != nullptr) {
    if (const std::string* after = response->Header("retry-after")) {
      const long seconds = std::strtol(after->c_str(), nullptr, 10);
      if (seconds > 0) {
        delay = std::max(delay, std::min<std::chrono::milliseconds>(std::chrono::seconds(seconds),
                                                                    options_.max_backoff));
      }
    }
  }
  return delay;
}

Result<HttpResponse> RetryingTransport::Send(const HttpRequest& request) {
  const int attempts = std::max(1, options_.max_attempts);
  for (int attempt = 1;; ++attempt) {
    Result<HttpResponse> result = inner_->Send(request);
    const bool retryable = result.ok() ? IsRetryableHttpStatus(result->status)
                                       : result.status().code() == StatusCode::kUnavailable;
    if (!retryable) return result;
    if (attempt >= attempts) {
      if (result.ok()) return result;
      return Status(result.status().code(), result.status().message() + " (gave up after " +
                                                std::to_string(attempts) + " attempts)");
    }
    if (stats_ != nullptr) Add(stats_->retries);
    sleeper_(NextDelay(attempt, result.ok() ? &result.value() : nullptr));
  }
}

}  // namespace objectfs::internal
