// Opening a sharded safetensors model's index (model.safetensors.index.json)
// starts the header reads of the shards it names: a loader that then opens
// them one after another finds each header (and the first bytes after it) in
// the cache instead of waiting for its first GETs.
#pragma once

#include <memory>
#include <string>

#include "objectfs/store.hpp"

namespace objectfs::internal {

class ClientCore;

// The first bytes of each shard fetched: a header of some thousands of tensors.
inline constexpr uint64_t kShardHeadBytes = 1 << 20;

// Reads the index `key` (pinned to `info`) on the io pool, then, one shard
// after another, Stats each shard and starts the fetch of its first
// kShardHeadBytes (speculative: within the budget). Best effort: a shard or
// an index that fails is skipped. Never blocks.
void WarmShardHeaders(ClientCore& core, std::shared_ptr<ObjectStore> store, std::string key,
                      ObjectInfo info);

}  // namespace objectfs::internal
