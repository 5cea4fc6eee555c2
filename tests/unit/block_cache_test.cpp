// BlockCache's reuse rules: a block read in parts leaves once every byte of
// it has been read, whatever the order of the parts.
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

}  // namespace
}  // namespace objectfs::internal
