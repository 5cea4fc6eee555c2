#include "observe/request_metrics.hpp"

#include <algorithm>
#include <string>

namespace objectfs::internal {
namespace {

constexpr size_t kOtherStore = kMetricStores.size() - 1;
constexpr size_t kErrorStatus = kMetricStatuses.size() - 1;

size_t IndexOf(std::string_view cause) {
  return static_cast<size_t>(std::find(kErrorCauses.begin(), kErrorCauses.end(), cause) -
                             kErrorCauses.begin());
}

}  // namespace

size_t StoreIndex(std::string_view store) {
  for (size_t i = 0; i < kOtherStore; ++i) {
    if (kMetricStores[i] == store) return i;
  }
  return kOtherStore;
}

int KindIndex(const HttpRequest& request) {
  switch (request.kind) {
    case RequestKind::kHead:
      return 0;
    case RequestKind::kGet:
      return 1;
    case RequestKind::kList:
      return 2;
    case RequestKind::kPut:
      return request.method == "POST" ? 4 : 3;
    case RequestKind::kDelete:
      return 5;
    case RequestKind::kOther:
      return 6;
    case RequestKind::kUncounted:
      break;
  }
  return -1;
}

size_t StatusIndex(const Result<HttpResponse>& outcome) {
  if (!outcome.ok()) return kErrorStatus;
  const long status = outcome->status;
  if (status >= 500) return 3;
  if (status >= 400) return 2;
  if (status >= 300) return 1;
  return 0;
}

int CauseIndex(const Result<HttpResponse>& outcome) {
  if (!outcome.ok()) {
    // curl's CURLE_OPERATION_TIMEDOUT, as the transport spells it.
    const bool timeout = outcome.status().message().find("(curl error 28)") != std::string::npos ||
                         outcome.status().message().find("timed out") != std::string::npos;
    return static_cast<int>(IndexOf(timeout ? "timeout" : "network"));
  }
  const long status = outcome->status;
  if (status < 400) return -1;
  if (status == 429 || status == 503) return static_cast<int>(IndexOf("throttled"));
  if (status >= 500) return static_cast<int>(IndexOf("server"));
  if (status == 401 || status == 403) return static_cast<int>(IndexOf("denied"));
  if (status == 404) return static_cast<int>(IndexOf("not_found"));
  if (status == 412) return static_cast<int>(IndexOf("precondition"));
  return static_cast<int>(IndexOf("client"));
}

void RequestMetrics::Record(size_t store, int kind, const Result<HttpResponse>& outcome,
                            std::chrono::nanoseconds elapsed, uint64_t body_bytes) {
  constexpr auto relaxed = std::memory_order_relaxed;
  if (kind < 0) return;
  const auto k = static_cast<size_t>(kind);
  requests_[store][k][StatusIndex(outcome)].fetch_add(1, relaxed);
  received_[store].fetch_add(body_bytes, relaxed);
  Histogram& h = latency_[k];
  const double seconds = std::chrono::duration<double>(elapsed).count();
  const size_t bucket =
      static_cast<size_t>(std::lower_bound(kLatencyBounds.begin(), kLatencyBounds.end(), seconds) -
                          kLatencyBounds.begin());
  h.buckets[bucket].fetch_add(1, relaxed);
  h.sum_ns.fetch_add(static_cast<uint64_t>(std::max<int64_t>(0, elapsed.count())), relaxed);
  if (const int cause = CauseIndex(outcome); cause >= 0) {
    errors_[static_cast<size_t>(cause)].fetch_add(1, relaxed);
  }
}

uint64_t RequestMetrics::Answered(size_t store, size_t kind) const {
  uint64_t n = 0;
  for (size_t s = 0; s < kErrorStatus; ++s) n += Requests(store, kind, s);
  return n;
}

void RequestMetrics::AppendFamilies(std::vector<MetricFamily>& out) const {
  constexpr auto relaxed = std::memory_order_relaxed;
  MetricFamily requests{"objectfs_requests_total",
                        "request attempts sent to stores (each retry counts), by store, kind and "
                        "status class ('error': no HTTP answer)",
                        MetricType::kCounter,
                        {},
                        {}};
  for (size_t s = 0; s < kMetricStores.size(); ++s) {
    for (size_t k = 0; k < kMetricKinds.size(); ++k) {
      for (size_t c = 0; c < kMetricStatuses.size(); ++c) {
        const uint64_t n = Requests(s, k, c);
        // Unused combinations stay out, except the ones dashboards expect at 0.
        if (n == 0 && !(s == 0 && c == 0)) continue;
        requests.samples.push_back({{{"store", std::string(kMetricStores[s])},
                                     {"kind", std::string(kMetricKinds[k])},
                                     {"status", std::string(kMetricStatuses[c])}},
                                    double(n)});
      }
    }
  }
  out.push_back(std::move(requests));

  MetricFamily latency{"objectfs_request_duration_seconds",
                       "time from sending a request attempt to its last byte, by kind",
                       MetricType::kHistogram,
                       {},
                       {}};
  for (size_t k = 0; k < kMetricKinds.size(); ++k) {
    const Histogram& h = latency_[k];
    std::array<uint64_t, kLatencyBounds.size() + 1> per_bucket{};
    for (size_t b = 0; b < per_bucket.size(); ++b) per_bucket[b] = h.buckets[b].load(relaxed);
    HistogramSample sample =
        CumulativeHistogram({{"kind", std::string(kMetricKinds[k])}}, kLatencyBounds, per_bucket,
                            double(h.sum_ns.load(relaxed)) / 1e9);
    latency.histograms.push_back(std::move(sample));
  }
  out.push_back(std::move(latency));

  MetricFamily errors{"objectfs_errors_total",
                      "failed request attempts by cause (network, timeout, throttled, server, "
                      "denied, not_found, precondition, client)",
                      MetricType::kCounter,
                      {},
                      {}};
  for (size_t c = 0; c < kErrorCauses.size(); ++c) {
    errors.samples.push_back(
        {{{"cause", std::string(kErrorCauses[c])}}, double(errors_[c].load(relaxed))});
  }
  out.push_back(std::move(errors));

  out.push_back({"objectfs_inflight_requests",
                 "request attempts sent and not yet answered",
                 MetricType::kGauge,
                 {{{}, double(inflight_.load(relaxed))}},
                 {}});
}

}  // namespace objectfs::internal
