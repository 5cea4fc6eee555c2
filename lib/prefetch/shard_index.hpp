// The shards a sharded safetensors model's index names
// (model.safetensors.index.json: {"weight_map": {tensor: shard file}}), so
// that opening the index can start the header reads of its shards. Pure;
// thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "objectfs/status.hpp"

namespace objectfs::internal::prefetch {

// Whether `key` names a safetensors index file.
bool IsShardIndex(std::string_view key);

// The keys of the shards `json` (the index at `index_key`) names, sorted and
// unique, each next to the index (safetensors::ParseShardIndex's rules).
Result<std::vector<std::string>> ShardKeys(std::string_view json, std::string_view index_key);

}  // namespace objectfs::internal::prefetch
