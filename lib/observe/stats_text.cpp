// The run's cost on the --stats line and the counters as JSON.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "objectfs/metrics.hpp"
#include "util/ascii.hpp"

namespace objectfs {
namespace {

std::string Amount(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.10f", value);
  return text;
}

}  // namespace

std::string CostFieldName(const RunCost& cost) {
  return "cost_" + internal::AsciiLower(cost.currency);
}

std::string CostLine(const RunCost& cost) {
  const std::string field = CostFieldName(cost);
  std::string line = field + "=" + Amount(cost.total);
  for (const auto& [part, value] : cost.parts)
    line += " " + field + "_" + part + "=" + Amount(value);
  return line;
}

std::string StatsJson(const ClientStats& stats, const RunCost& cost) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const StatDescriptor& row : kClientStats) out[std::string(row.name)] = stats.*row.field;
  const std::string field = CostFieldName(cost);
  out[field] = cost.total;
  for (const auto& [part, value] : cost.parts) out[field + "_" + part] = value;
  out["currency"] = cost.currency;
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace objectfs
