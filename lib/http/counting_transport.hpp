// Request and byte counting, layered over any HttpTransport (above the
// retrying one, so a request counts once however many tries it took).
#pragma once

#include <memory>

#include "http/transport.hpp"

namespace objectfs::internal {

struct StatsCounters;

class CountingTransport : public HttpTransport {
 public:
  CountingTransport(std::shared_ptr<HttpTransport> inner, StatsCounters* stats);

  // Thread-safe. Counts the request by its kind, and the body bytes of a GET
  // written to its response buffer as downloaded.
  Result<HttpResponse> Send(const HttpRequest& request) override;

 private:
  std::shared_ptr<HttpTransport> inner_;
  StatsCounters* stats_;
};

}  // namespace objectfs::internal
