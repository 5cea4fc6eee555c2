#include "observe/price_table.hpp"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

namespace objectfs::internal {
namespace {

constexpr size_t kGet = 0, kHead = 1, kList = 2, kPut = 3, kDelete = 4;

StorePrices Prices(double get, double head, double list, double put, double egress) {
  StorePrices p;
  p.per_1000_requests = {get, head, list, put, 0.0};
  p.per_gb_egress = egress;
  return p;
}

// Which price class a metrics kind is billed as; -1: not billed (tokens).
int ClassOfKind(size_t kind) {
  switch (kind) {
    case 0:
      return kHead;
    case 1:
      return kGet;
    case 2:
      return kList;
    case 3:
    case 4:
      return kPut;
    case 5:
      return kDelete;
  }
  return -1;
}

Status AtLine(const std::string& path, const YAML::Node& node, const std::string& message) {
  return InvalidArgument("price table " + path + ", line " + std::to_string(node.Mark().line + 1) +
                         ": " + message);
}

Result<double> Price(const std::string& path, const std::string& key, const YAML::Node& node) {
  if (!node.IsScalar()) return AtLine(path, node, key + ": expected a number");
  const std::string& text = node.Scalar();
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value) || value < 0) {
    return AtLine(path, node, key + ": '" + text + "' is not a price (a number >= 0)");
  }
  return value;
}

// Applies the keys of `node` (per_1000_requests, per_gb_egress) to `prices`.
Status ApplyPrices(const std::string& path, const YAML::Node& node, StorePrices& prices,
                   bool allow_other_keys) {
  for (const auto& item : node) {
    const std::string key = item.first.Scalar();
    if (key == "per_gb_egress") {
      OBJECTFS_ASSIGN_OR_RETURN(prices.per_gb_egress, Price(path, key, item.second));
    } else if (key == "per_1000_requests") {
      if (!item.second.IsMap()) return AtLine(path, item.second, key + ": expected a mapping");
      for (const auto& request : item.second) {
        const std::string name = request.first.Scalar();
        size_t i = 0;
        while (i < kPriceClasses.size() && kPriceClasses[i] != name) ++i;
        if (i == kPriceClasses.size()) {
          return AtLine(path, request.first,
                        "unknown request class '" + name + "' (get, head, list, put, delete)");
        }
        OBJECTFS_ASSIGN_OR_RETURN(prices.per_1000_requests[i],
                                  Price(path, key + "." + name, request.second));
      }
    } else if (!allow_other_keys) {
      return AtLine(path, item.first,
                    "unknown key '" + key + "' (per_1000_requests, per_gb_egress)");
    }
  }
  return Status::Ok();
}

Result<YAML::Node> ParseFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("price table " + path + ": cannot open: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  try {
    return YAML::Load(text.str());
  } catch (const YAML::Exception& e) {
    return InvalidArgument("price table " + path + ", line " + std::to_string(e.mark.line + 1) +
                           ": YAML syntax error: " + e.msg);
  }
}

}  // namespace

PriceTable DefaultPriceTable() {
  PriceTable table;
  // get, head, list, put (per 1,000 requests), egress (per GB); delete is free.
  table.stores[StoreIndex("s3")] = Prices(0.0004, 0.0004, 0.005, 0.005, 0.09);
  table.stores[StoreIndex("gcs")] = Prices(0.0004, 0.0004, 0.005, 0.005, 0.12);
  table.stores[StoreIndex("azure")] = Prices(0.0004, 0.0004, 0.005, 0.005, 0.087);
  return table;
}

Result<PriceTable> LoadPriceTable(const std::string& path) {
  OBJECTFS_ASSIGN_OR_RETURN(YAML::Node root, ParseFile(path));
  PriceTable table = DefaultPriceTable();
  table.source = path;
  if (!root.IsMap()) {
    return InvalidArgument("price table " + path +
                           ": expected a mapping with currency, per_1000_requests, per_gb_egress");
  }
  bool has_common = false;
  for (const auto& item : root) {
    const std::string key = item.first.Scalar();
    if (key == "currency") {
      if (!item.second.IsScalar() || item.second.Scalar().empty()) {
        return AtLine(path, item.second, "currency: expected a name such as USD");
      }
      table.currency = item.second.Scalar();
    } else if (key == "per_1000_requests" || key == "per_gb_egress") {
      has_common = true;
    } else if (key != "stores") {
      return AtLine(
          path, item.first,
          "unknown key '" + key + "' (currency, per_1000_requests, per_gb_egress, stores)");
    }
  }
  // Top-level prices apply to every network store (HTTP(S) servers too).
  if (has_common) {
    for (size_t s = 0; s + 1 < kMetricStores.size(); ++s) {
      OBJECTFS_RETURN_IF_ERROR(ApplyPrices(path, root, table.stores[s], true));
    }
  }
  if (const YAML::Node stores = root["stores"]; stores) {
    if (!stores.IsMap()) return AtLine(path, stores, "stores: expected a mapping of store names");
    for (const auto& item : stores) {
      const std::string name = item.first.Scalar();
      const size_t s = StoreIndex(name);
      if (s + 1 == kMetricStores.size()) {
        return AtLine(path, item.first, "unknown store '" + name + "' (s3, gcs, azure, http)");
      }
      if (!item.second.IsMap()) return AtLine(path, item.second, name + ": expected a mapping");
      OBJECTFS_RETURN_IF_ERROR(ApplyPrices(path, item.second, table.stores[s], false));
    }
  }
  return table;
}

RunCost CostOf(const RequestMetrics& metrics, const PriceTable& prices) {
  RunCost cost;
  cost.currency = prices.currency;
  std::array<double, kPriceClasses.size()> by_class{};
  double egress = 0;
  for (size_t s = 0; s < kMetricStores.size(); ++s) {
    const StorePrices& p = prices.stores[s];
    for (size_t k = 0; k < kMetricKinds.size(); ++k) {
      const int c = ClassOfKind(k);
      if (c < 0) continue;
      by_class[size_t(c)] +=
          double(metrics.Answered(s, k)) * p.per_1000_requests[size_t(c)] / 1000.0;
    }
    egress += double(metrics.BytesReceived(s)) / double(1ull << 30) * p.per_gb_egress;
  }
  for (size_t c = 0; c < kPriceClasses.size(); ++c) {
    cost.parts.emplace_back(std::string(kPriceClasses[c]), by_class[c]);
    cost.total += by_class[c];
  }
  cost.parts.emplace_back("egress", egress);
  cost.total += egress;
  return cost;
}

}  // namespace objectfs::internal
