#include "prefetch/shard_index.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace objectfs::internal::prefetch {
namespace {

constexpr std::string_view kIndexSuffix = ".safetensors.index.json";
constexpr std::string_view kShardSuffix = ".safetensors";
// Far more than any published model has (hundreds); bounds the work a hostile
// index can ask for.
constexpr size_t kMaxShards = 10000;

bool PlainShardName(const std::string& name) {
  return name.size() > kShardSuffix.size() && name.size() <= 255 && name.ends_with(kShardSuffix) &&
         name.find('/') == std::string::npos && name.find('\0') == std::string::npos &&
         name.find('\\') == std::string::npos;
}

}  // namespace

bool IsShardIndex(std::string_view key) { return key.ends_with(kIndexSuffix); }

Result<std::vector<std::string>> ShardKeys(std::string_view json, std::string_view index_key) {
  const std::string where = "shard index '" + std::string(index_key) + "'";
  const auto doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return InvalidArgument(where + ": not valid JSON");
  if (!doc.is_object() || !doc.contains("weight_map") || !doc["weight_map"].is_object()) {
    return InvalidArgument(where + ": no \"weight_map\" object");
  }
  const std::string_view dir = index_key.substr(0, index_key.rfind('/') + 1);
  std::vector<std::string> keys;
  for (const auto& [tensor, shard] : doc["weight_map"].items()) {
    if (!shard.is_string() || !PlainShardName(shard.get<std::string>())) {
      return InvalidArgument(where + ": tensor '" + tensor +
                             "' names no plain .safetensors file next to the index");
    }
    keys.push_back(std::string(dir) + shard.get<std::string>());
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  if (keys.size() > kMaxShards) {
    return InvalidArgument(where + ": " + std::to_string(keys.size()) + " shards (at most " +
                           std::to_string(kMaxShards) + ")");
  }
  return keys;
}

}  // namespace objectfs::internal::prefetch
