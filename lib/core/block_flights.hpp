// One fetch of a tier block at a time per Client: a reader and its readahead
// that miss in the same block (their ranges are smaller than a block, and each
// fetches the whole block so that it can be stored) share one GET, not two.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

namespace objectfs::internal {

class BlockFlights {
  struct Flight;

 public:
  // A caller's part in a block's fetch. copied(): another caller fetched the
  // block and its bytes are in `out` already. Otherwise this caller fetches
  // the block and hands it to Land, which copies each waiting caller's bytes;
  // a Ticket dropped unlanded (a failed fetch) sends them to fetch alone.
  class Ticket {
   public:
    Ticket(Ticket&& other) noexcept;
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;
    ~Ticket();
    bool copied() const { return copied_; }
    void Land(std::span<const std::byte> block);  // no-op unless this caller fetched

   private:
    friend class BlockFlights;
    Ticket(BlockFlights* leads, std::string key, bool copied);
    BlockFlights* leads_;  // null unless this caller is the fetcher, until it lands
    std::string key_;
    bool copied_;
  };

  // Thread-safe. `block_key` names the block (object identity and index); a
  // caller that is not the first waits for the first's fetch, then copies the
  // block's bytes [at, at + out.size()) into `out`, or (that fetch failed)
  // gets a Ticket to fetch alone, unshared.
  Ticket Join(const std::string& block_key, uint64_t at, std::span<std::byte> out);

 private:
  struct Follower {
    uint64_t at;
    std::span<std::byte> out;
  };
  struct Flight {
    std::vector<Follower> followers;  // under mu_; final once out of flights_
    std::mutex mu;
    std::condition_variable done_cv;
    bool done = false;
    bool copied = false;
  };
  void Land(const std::string& block_key, std::span<const std::byte> block);

  std::mutex mu_;
  std::map<std::string, std::shared_ptr<Flight>> flights_;
};

}  // namespace objectfs::internal
