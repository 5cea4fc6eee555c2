// What a run cost: list prices per 1,000 requests by class and per GB of
// egress, per store, from built-in defaults or a YAML price table.
#pragma once

#include <array>
#include <string>

#include "objectfs/metrics.hpp"
#include "objectfs/status.hpp"
#include "observe/request_metrics.hpp"

namespace objectfs::internal {

// Request classes a store bills: get, head, list, put (PUT and POST), delete.
inline constexpr std::array<std::string_view, 5> kPriceClasses = {"get", "head", "list", "put",
                                                                  "delete"};

struct StorePrices {
  std::array<double, kPriceClasses.size()> per_1000_requests{};
  double per_gb_egress = 0;  // GB = 2^30 bytes, as the providers bill
};

struct PriceTable {
  std::string currency = "USD";
  std::string source = "built-in";  // the file, or "built-in"
  std::array<StorePrices, kMetricStores.size()> stores{};
};

// S3 Standard, GCS Standard and Azure Hot list prices (docs/observability.md
// gives their date and source); HTTP(S) servers and local files cost nothing.
PriceTable DefaultPriceTable();

// A YAML file:
//   currency: USD
//   per_1000_requests: {get: 0.0004, head: 0.0004, list: 0.005, put: 0.005, delete: 0}
//   per_gb_egress: 0.09
//   stores: {s3: {per_gb_egress: 0.02}}   # optional, per store, over the above
// Keys left out keep the built-in value. Errors name the file, the line and the key.
Result<PriceTable> LoadPriceTable(const std::string& path);

// The cost of what `metrics` counts under `prices`.
RunCost CostOf(const RequestMetrics& metrics, const PriceTable& prices);

}  // namespace objectfs::internal
