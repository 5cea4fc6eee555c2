#include "core/shard_warm.hpp"

#include <vector>

#include "core/client_core.hpp"
#include "core/object_reader.hpp"
#include "prefetch/shard_index.hpp"

namespace objectfs::internal {

void WarmShardHeaders(ClientCore& core, std::shared_ptr<ObjectStore> store, std::string key,
                      ObjectInfo info) {
  // One task for the whole index: its HEADs go one at a time, ahead of the
  // loader, and take one io thread from the readers at most.
  core.io_pool().Submit(
      [&core, store = std::move(store), key = std::move(key), info = std::move(info)] {
        if (core.closing()) return;
        std::vector<std::byte> bytes(info.size);
        auto n = ReadPart(*store, key, {0, info.size}, bytes, ReadConditions::PinnedTo(info));
        if (!n.ok() || *n != info.size) return;
        auto shards = prefetch::ShardKeys(
            std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), key);
        if (!shards.ok()) return;
        for (const std::string& shard : *shards) {
          if (core.closing()) return;  // a short-lived Client does not wait for them
          auto shard_info = store->Stat(shard);
          if (!shard_info.ok()) continue;
          ObjectReader::PrefetchHead(core, store, shard, std::move(*shard_info), kShardHeadBytes);
        }
      });
}

}  // namespace objectfs::internal
