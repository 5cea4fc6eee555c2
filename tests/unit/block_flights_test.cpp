// BlockFlights: callers that miss in the same block at once share one fetch;
// a fetch that fails sends the waiting callers to fetch alone, never hangs them.
#include "core/block_flights.hpp"

#include <catch2/catch.hpp>
#include <future>
#include <thread>

using objectfs::internal::BlockFlights;
using namespace std::chrono_literals;

namespace {

// Waits (briefly) until `follower` is blocked in Join: it has not returned yet.
bool StillWaiting(std::future<bool>& follower) {
  return follower.wait_for(200ms) == std::future_status::timeout;
}

}  // namespace

TEST_CASE("a caller missing in a block being fetched waits and copies its bytes", "[flights]") {
  BlockFlights flights;
  std::vector<std::byte> block(64);
  for (size_t i = 0; i < block.size(); ++i) block[i] = std::byte(i);
  auto fetcher = flights.Join("id\n3", 0, block);
  REQUIRE_FALSE(fetcher.copied());
  std::vector<std::byte> piece(16);
  auto follower =
      std::async(std::launch::async, [&] { return flights.Join("id\n3", 40, piece).copied(); });
  REQUIRE(StillWaiting(follower));
  // Another block is not shared: its caller fetches at once.
  CHECK_FALSE(flights.Join("id\n4", 0, piece).copied());
  fetcher.Land(block);
  REQUIRE(follower.get());
  for (size_t i = 0; i < piece.size(); ++i) CHECK(piece[i] == std::byte(40 + i));
  // Landed: the next caller fetches anew.
  CHECK_FALSE(flights.Join("id\n3", 0, piece).copied());
}

TEST_CASE("a fetch that fails sends its waiting callers to fetch alone", "[flights]") {
  BlockFlights flights;
  std::vector<std::byte> piece(8, std::byte(0x5a));
  std::future<bool> follower;
  {
    auto fetcher = flights.Join("id\n0", 0, piece);
    follower =
        std::async(std::launch::async, [&] { return flights.Join("id\n0", 0, piece).copied(); });
    REQUIRE(StillWaiting(follower));
  }  // dropped unlanded, as a failed fetch returning early does
  CHECK_FALSE(follower.get());
  CHECK(piece[0] == std::byte(0x5a));
}
