#include "prefetch/shard_index.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "objectfs/safetensors.hpp"

namespace objectfs::safetensors {
namespace {

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

Result<ShardIndex> ParseShardIndex(std::string_view json, std::string_view index_name) {
  const std::string where = "shard index '" + std::string(index_name) + "'";
  const auto doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return InvalidArgument(where + ": not valid JSON");
  if (!doc.is_object() || !doc.contains("weight_map") || !doc["weight_map"].is_object() ||
      doc["weight_map"].empty()) {
    return InvalidArgument(where + ": no \"weight_map\" object naming the tensors' shards");
  }
  ShardIndex index;
  for (const auto& [tensor, shard] : doc["weight_map"].items()) {
    if (!shard.is_string() || !PlainShardName(shard.get<std::string>())) {
      const std::string named =
          shard.is_string() ? "'" + shard.get<std::string>() + "'" : shard.dump();
      return InvalidArgument(where + ": tensor '" + tensor + "' names an invalid shard " + named +
                             " (expected a .safetensors file name beside the index)");
    }
    index.weight_map.emplace_back(tensor, shard.get<std::string>());
    index.shards.push_back(shard.get<std::string>());
  }
  std::sort(index.shards.begin(), index.shards.end());
  index.shards.erase(std::unique(index.shards.begin(), index.shards.end()), index.shards.end());
  if (index.shards.size() > kMaxShards) {
    return InvalidArgument(where + ": " + std::to_string(index.shards.size()) +
                           " shards (at most " + std::to_string(kMaxShards) + ")");
  }
  return index;
}

}  // namespace objectfs::safetensors

namespace objectfs::internal::prefetch {

bool IsShardIndex(std::string_view key) { return key.ends_with(".safetensors.index.json"); }

Result<std::vector<std::string>> ShardKeys(std::string_view json, std::string_view index_key) {
  OBJECTFS_ASSIGN_OR_RETURN(safetensors::ShardIndex index,
                            safetensors::ParseShardIndex(json, index_key));
  const std::string_view dir = index_key.substr(0, index_key.rfind('/') + 1);
  std::vector<std::string> keys;
  for (const std::string& shard : index.shards) keys.push_back(std::string(dir) + shard);
  return keys;
}

}  // namespace objectfs::internal::prefetch
