// BlockCache's reuse rules: a block read in parts leaves once every byte of
// it has been read, whatever the order of the parts; a fetch ahead of a
// reader never evicts what the same reader has yet to read.
#include "cache/block_cache.hpp"

#include <catch2/catch.hpp>

namespace objectfs::internal {
namespace {

constexpr uint64_t kBlock = 64 << 10;

struct Cached {
  BlockCache cache{16 * kBlock, kBlock};
  uint64_t object = cache.ObjectId("s3://bucket/key\n\"etag\"");
  // Blocks [0, 4) in one fetch, done.
  std::shared_ptr<Fetch> fetch = [this] {
    auto f = cache.Register(object, 0, 4, 0, 4 * kBlock, /*speculative=*/false);
    f->Complete(Status::Ok());
    return f;
  }();
};

TEST_CASE("block cache: a block read in parts stays until all of it is read", "[cache]") {
  Cached c;
  // The later part first, as a kernel may send its readahead's requests.
  CHECK(c.cache.Consume(c.object, 1, kBlock - 4096, kBlock) == c.fetch);
  CHECK(c.cache.Contains(c.object, 1));
  CHECK(c.cache.Consume(c.object, 1, 4096, kBlock) == c.fetch);
  CHECK_FALSE(c.cache.Contains(c.object, 1));
  CHECK(c.cache.Consume(c.object, 1, 4096, kBlock) == nullptr);
  // Its neighbours are untouched.
  CHECK(c.cache.Contains(c.object, 0));
  CHECK(c.cache.Contains(c.object, 2));
}

TEST_CASE("block cache: a short last block leaves at its own length", "[cache]") {
  Cached c;
  CHECK(c.cache.Consume(c.object, 3, 100, 100) == c.fetch);
  CHECK_FALSE(c.cache.Contains(c.object, 3));
}

TEST_CASE("block cache: Consume of another fetch's block counts nothing", "[cache]") {
  Cached c;
  auto other = c.cache.AcquireBuffer(kBlock, /*force=*/true);
  CHECK(c.cache.Consume(c.object, 2, kBlock, kBlock, other.get()) == nullptr);
  CHECK(c.cache.Contains(c.object, 2));
  CHECK(c.cache.Consume(c.object, 2, kBlock, kBlock, c.fetch.get()) == c.fetch);
  CHECK_FALSE(c.cache.Contains(c.object, 2));
}

TEST_CASE("block cache: kConsumed drops a block at once, kKeep keeps it", "[cache]") {
  Cached c;
  CHECK(c.cache.Lookup(c.object, 0, BlockCache::Reuse::kKeep) == c.fetch);
  CHECK(c.cache.Contains(c.object, 0));
  CHECK(c.cache.Lookup(c.object, 0, BlockCache::Reuse::kConsumed) == c.fetch);
  CHECK_FALSE(c.cache.Contains(c.object, 0));
}

// A finished one-block fetch of `block`; the cache holds the only reference.
bool FetchBlock(BlockCache& cache, uint64_t object, uint64_t block, bool speculative) {
  auto fetch = cache.Register(object, block, 1, block * kBlock, kBlock, speculative);
  if (fetch == nullptr) return false;
  fetch->Complete(Status::Ok());
  return true;
}

TEST_CASE("block cache: a fetch ahead never evicts the same object's unread ones", "[cache]") {
  BlockCache cache(2 * kBlock, kBlock);
  const uint64_t object = cache.ObjectId("s3://bucket/model\n\"1\"");
  const uint64_t other = cache.ObjectId("s3://bucket/other\n\"1\"");
  REQUIRE(FetchBlock(cache, object, 0, true));
  REQUIRE(FetchBlock(cache, object, 1, true));
  // Blocks 0 and 1 wait for their reader: block 2 (further ahead) waits its turn.
  CHECK_FALSE(FetchBlock(cache, object, 2, true));
  CHECK(cache.Contains(object, 0));
  CHECK(cache.Contains(object, 1));
  // Once read (and kept, as random access keeps it), block 0 may go for it.
  CHECK(cache.Lookup(object, 0, BlockCache::Reuse::kKeep) != nullptr);
  CHECK(FetchBlock(cache, object, 2, true));
  CHECK_FALSE(cache.Contains(object, 0));
  CHECK(cache.Contains(object, 1));
  // Another object's readahead and any demand fetch still evict unread
  // blocks, the furthest ahead (the newest) first.
  CHECK(FetchBlock(cache, other, 0, true));
  CHECK(cache.Contains(object, 1));
  CHECK_FALSE(cache.Contains(object, 2));
  CHECK(FetchBlock(cache, object, 3, false));
  CHECK(cache.Contains(object, 1));
  CHECK_FALSE(cache.Contains(other, 0));
  CHECK(cache.used() <= 2 * kBlock);
}

TEST_CASE("block cache: a block read in part is still unread for the fetches ahead", "[cache]") {
  BlockCache cache(2 * kBlock, kBlock);
  const uint64_t object = cache.ObjectId("s3://bucket/model\n\"1\"");
  REQUIRE(FetchBlock(cache, object, 0, true));
  REQUIRE(FetchBlock(cache, object, 1, true));
  // One tensor's reader read its part of block 0; the next tensor's is to come.
  CHECK(cache.Consume(object, 0, 100, kBlock) != nullptr);
  CHECK_FALSE(FetchBlock(cache, object, 2, true));
  CHECK(cache.Contains(object, 0));
}

}  // namespace
}  // namespace objectfs::internal
