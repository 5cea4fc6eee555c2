// Per-attempt request metrics of one Client: counts by store, kind and status
// class, latency histograms by kind, bytes received, requests in flight and
// failed attempts by cause. Updated lock-free from any thread.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string_view>

#include "http/transport.hpp"
#include "objectfs/metrics.hpp"

namespace objectfs::internal {

// The label values, in index order.
inline constexpr std::array<std::string_view, 5> kMetricStores = {"s3", "gcs", "azure", "http",
                                                                  "other"};
inline constexpr std::array<std::string_view, 7> kMetricKinds = {"head", "get",    "list", "put",
                                                                 "post", "delete", "token"};
inline constexpr std::array<std::string_view, 5> kMetricStatuses = {"2xx", "3xx", "4xx", "5xx",
                                                                    "error"};
inline constexpr std::array<std::string_view, 8> kErrorCauses = {
    "network", "timeout", "throttled", "server", "denied", "not_found", "precondition", "client"};
// Seconds; the last bucket is +Inf.
inline constexpr std::array<double, 14> kLatencyBounds = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

size_t StoreIndex(std::string_view store);
// -1 for requests that are not counted (credential probes).
int KindIndex(const HttpRequest& request);
// 0..3 for an HTTP status, 4 for a failed exchange.
size_t StatusIndex(const Result<HttpResponse>& outcome);
// Index into kErrorCauses, or -1 when the attempt succeeded (2xx/3xx).
int CauseIndex(const Result<HttpResponse>& outcome);

class RequestMetrics {
 public:
  using Counter = std::atomic<uint64_t>;

  void Record(size_t store, int kind, const Result<HttpResponse>& outcome,
              std::chrono::nanoseconds elapsed, uint64_t body_bytes);
  Counter& inflight() { return inflight_; }

  uint64_t Requests(size_t store, size_t kind, size_t status) const {
    return requests_[store][kind][status].load(std::memory_order_relaxed);
  }
  // Requests the server answered (any HTTP status): what a store bills.
  uint64_t Answered(size_t store, size_t kind) const;
  uint64_t BytesReceived(size_t store) const {
    return received_[store].load(std::memory_order_relaxed);
  }

  // objectfs_requests_total, objectfs_request_duration_seconds,
  // objectfs_errors_total (attempts), objectfs_inflight_requests.
  void AppendFamilies(std::vector<MetricFamily>& out) const;

 private:
  std::array<std::array<std::array<Counter, kMetricStatuses.size()>, kMetricKinds.size()>,
             kMetricStores.size()>
      requests_{};
  std::array<Counter, kMetricStores.size()> received_{};
  struct Histogram {
    std::array<Counter, kLatencyBounds.size() + 1> buckets{};  // not cumulative
    Counter sum_ns{0};
  };
  std::array<Histogram, kMetricKinds.size()> latency_{};
  std::array<Counter, kErrorCauses.size()> errors_{};
  Counter inflight_{0};
};

}  // namespace objectfs::internal
