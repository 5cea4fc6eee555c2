// Metrics in the Prometheus data model: what Client::Metrics() returns, what a
// front (the mount) adds of its own, the text exposition format, and a small
// HTTP server for `GET /metrics`. Family names are fixed so dashboards can
// rely on them (docs/observability.md lists them).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "objectfs/stats.hpp"
#include "objectfs/status.hpp"

namespace objectfs {

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

enum class MetricType { kCounter, kGauge, kHistogram };

struct MetricSample {
  MetricLabels labels;
  double value = 0;
};

// Cumulative buckets as Prometheus wants them: counts[i] observations <= bounds[i];
// `count` includes those above the last bound (the +Inf bucket).
struct HistogramSample {
  MetricLabels labels;
  std::vector<double> bounds;
  std::vector<uint64_t> counts;
  uint64_t count = 0;
  double sum = 0;
};

// A HistogramSample from per-bucket counts (not cumulative): `per_bucket` has
// one more entry than `bounds`, the observations above the last bound.
HistogramSample CumulativeHistogram(MetricLabels labels, std::span<const double> bounds,
                                    std::span<const uint64_t> per_bucket, double sum);

struct MetricFamily {
  std::string name;  // e.g. "objectfs_requests_total"
  std::string help;
  MetricType type = MetricType::kCounter;
  std::vector<MetricSample> samples;        // counters and gauges
  std::vector<HistogramSample> histograms;  // histograms
};

// What a Client's requests cost under its price table (Client::Cost()): the
// total, and its parts by request class ("get", "head", "list", "put",
// "delete") and "egress".
struct RunCost {
  std::string currency = "USD";
  double total = 0;
  std::vector<std::pair<std::string, double>> parts;
};

// "cost_usd=0.0123 cost_usd_get=0.0004 ... cost_usd_egress=0.0119" (the
// currency, lower case, names the fields): appended to the --stats line.
std::string CostLine(const RunCost& cost);

// "cost_usd": the currency, lower case, as CostLine, StatsJson and Python's
// stats() name the total (its parts add "_get", ..., "_egress").
std::string CostFieldName(const RunCost& cost);

// The counters and the cost as one JSON object (`--stats --json`):
// {"head_requests": 1, ..., "cost_usd": 0.0123, "cost_usd_get": 0.0004, ...}.
std::string StatsJson(const ClientStats& stats, const RunCost& cost);

// The text exposition format (version 0.0.4), families in the order given.
std::string PrometheusText(std::span<const MetricFamily> families);

// Families as one JSON object: {"name{label=\"v\"}": value, ...}; histograms
// give their _count and _sum.
std::string MetricsJson(std::span<const MetricFamily> families);

// Serves `GET /metrics` (the text format of what `collect` returns, called on
// the server's thread for each scrape) on HOST:PORT until destroyed; other
// paths answer 404. Port 0 picks a free one (port() says which).
class MetricsServer {
 public:
  using Collect = std::function<std::vector<MetricFamily>()>;
  // `address` is "HOST:PORT", "[V6]:PORT" or ":PORT" (all interfaces).
  // Errors name the address and the cause (in use, bad host).
  static Result<std::unique_ptr<MetricsServer>> Start(const std::string& address, Collect collect);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  uint16_t port() const { return port_; }

 private:
  struct Daemon;
  MetricsServer() = default;
  Collect collect_;  // before daemon_: outlives the thread that calls it
  std::unique_ptr<Daemon> daemon_;
  uint16_t port_ = 0;
};

}  // namespace objectfs
