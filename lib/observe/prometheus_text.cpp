// The Prometheus text exposition format (0.0.4) and a JSON rendering of the
// same families.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "objectfs/metrics.hpp"

namespace objectfs {
namespace {

std::string_view TypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

// Label values escape backslash, double quote and newline; help text escapes
// backslash and newline.
std::string Escaped(std::string_view text, bool quote) {
  std::string out;
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quote) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

std::string Number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    return std::to_string(static_cast<long long>(value));
  }
  // The shortest text that reads back as the same double (0.0025, not 0.0025000000000000001).
  char text[32];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(text, sizeof(text), "%.*g", precision, value);
    if (std::strtod(text, nullptr) == value) break;
  }
  return text;
}

std::string Labels(const MetricLabels& labels, std::string_view extra_name = {},
                   std::string_view extra_value = {}) {
  if (labels.empty() && extra_name.empty()) return "";
  std::string out = "{";
  for (const auto& [name, value] : labels) {
    if (out.size() > 1) out += ',';
    out += name + "=\"" + Escaped(value, true) + "\"";
  }
  if (!extra_name.empty()) {
    if (out.size() > 1) out += ',';
    out += std::string(extra_name) + "=\"" + std::string(extra_value) + "\"";
  }
  return out + "}";
}

}  // namespace

HistogramSample CumulativeHistogram(MetricLabels labels, std::span<const double> bounds,
                                    std::span<const uint64_t> per_bucket, double sum) {
  HistogramSample h{std::move(labels), {bounds.begin(), bounds.end()}, {}, 0, sum};
  for (size_t i = 0; i < per_bucket.size(); ++i) {
    h.count += per_bucket[i];
    if (i < bounds.size()) h.counts.push_back(h.count);
  }
  return h;
}

std::string PrometheusText(std::span<const MetricFamily> families) {
  std::string out;
  for (const MetricFamily& family : families) {
    out += "# HELP " + family.name + " " + Escaped(family.help, false) + "\n";
    out += "# TYPE " + family.name + " " + std::string(TypeName(family.type)) + "\n";
    for (const MetricSample& sample : family.samples) {
      out += family.name + Labels(sample.labels) + " " + Number(sample.value) + "\n";
    }
    for (const HistogramSample& h : family.histograms) {
      for (size_t i = 0; i < h.bounds.size() && i < h.counts.size(); ++i) {
        out += family.name + "_bucket" + Labels(h.labels, "le", Number(h.bounds[i])) + " " +
               std::to_string(h.counts[i]) + "\n";
      }
      out += family.name + "_bucket" + Labels(h.labels, "le", "+Inf") + " " +
             std::to_string(h.count) + "\n";
      out += family.name + "_sum" + Labels(h.labels) + " " + Number(h.sum) + "\n";
      out += family.name + "_count" + Labels(h.labels) + " " + std::to_string(h.count) + "\n";
    }
  }
  return out;
}

std::string MetricsJson(std::span<const MetricFamily> families) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const MetricFamily& family : families) {
    for (const MetricSample& sample : family.samples) {
      out[family.name + Labels(sample.labels)] = sample.value;
    }
    for (const HistogramSample& h : family.histograms) {
      out[family.name + "_count" + Labels(h.labels)] = h.count;
      out[family.name + "_sum" + Labels(h.labels)] = h.sum;
    }
  }
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace objectfs
