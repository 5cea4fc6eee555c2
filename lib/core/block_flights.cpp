#include "core/block_flights.hpp"

#include <cstring>
#include <utility>

namespace objectfs::internal {

BlockFlights::Ticket::Ticket(BlockFlights* leads, std::string key, bool copied)
    : leads_(leads), key_(std::move(key)), copied_(copied) {}

BlockFlights::Ticket::Ticket(Ticket&& other) noexcept
    : leads_(std::exchange(other.leads_, nullptr)),
      key_(std::move(other.key_)),
      copied_(other.copied_) {}

BlockFlights::Ticket::~Ticket() {
  if (leads_ != nullptr) leads_->Land(key_, {});
}

void BlockFlights::Ticket::Land(std::span<const std::byte> block) {
  if (leads_ != nullptr) std::exchange(leads_, nullptr)->Land(key_, block);
}

BlockFlights::Ticket BlockFlights::Join(const std::string& block_key, uint64_t at,
                                        std::span<std::byte> out) {
  std::shared_ptr<Flight> flight;
  {
    std::lock_guard lock(mu_);
    auto [it, first] = flights_.try_emplace(block_key);
    if (first) {
      it->second = std::make_shared<Flight>();
      return Ticket(this, block_key, false);
    }
    flight = it->second;
    flight->followers.push_back({at, out});
  }
  std::unique_lock lock(flight->mu);
  flight->done_cv.wait(lock, [&] { return flight->done; });
  return Ticket(nullptr, block_key, flight->copied);
}

void BlockFlights::Land(const std::string& block_key, std::span<const std::byte> block) {
  std::shared_ptr<Flight> flight;
  {
    std::lock_guard lock(mu_);
    auto it = flights_.find(block_key);
    if (it == flights_.end()) return;
    flight = std::move(it->second);
    flights_.erase(it);
  }
  // Out of the map, no caller joins it now, so the followers are final.
  const bool copied = !block.empty();
  if (copied) {
    for (const Follower& f : flight->followers) {
      std::memcpy(f.out.data(), block.data() + f.at, f.out.size());
    }
  }
  std::lock_guard lock(flight->mu);
  flight->copied = copied;
  flight->done = true;
  flight->done_cv.notify_all();
}

}  // namespace objectfs::internal
