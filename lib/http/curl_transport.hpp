// HttpTransport over libcurl: a pool of easy handles (each keeps its
// connections alive, so requests reuse them) with bounded concurrency.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "http/transport.hpp"
#include "objectfs/options.hpp"

typedef void CURL;

namespace objectfs::internal {

class CurlTransport : public HttpTransport {
 public:
  explicit CurlTransport(const HttpOptions& options);
  ~CurlTransport() override;

  // Thread-safe; blocks while max_connections requests are in flight.
  Result<HttpResponse> Send(const HttpRequest& request) override;

 private:
  struct EasyDeleter {
    void operator()(CURL* handle) const;
  };
  using EasyHandle = std::unique_ptr<CURL, EasyDeleter>;

  EasyHandle Acquire();
  void Release(EasyHandle handle);

  const HttpOptions options_;
  std::mutex mu_;
  std::condition_variable available_;
  std::vector<EasyHandle> idle_;
  int in_use_ = 0;
};

}  // namespace objectfs::internal
