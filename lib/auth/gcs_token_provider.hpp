// Caches a Client's Google access token and refreshes it before it expires.
#pragma once

#include <functional>
#include <mutex>
#include <optional>

#include "auth/gcs_credentials.hpp"

namespace objectfs::internal {

class GcsTokenProvider {
 public:
  using Resolver = std::function<Result<GcsCredentialSource>()>;

  struct Authorization {
    std::string bearer_token;  // empty: send no Authorization header
    std::string source;        // GcsCredentialSource::description
  };

  explicit GcsTokenProvider(Resolver resolver) : resolver_(std::move(resolver)) {}

  // Thread-safe. Resolves the credential chain on first use and remembers a
  // failure (a mount must not probe the metadata server on every request). A
  // token is refreshed once less than kRefreshMargin of its life is left; if
  // the refresh fails while the old token is still valid, the old one is used.
  Result<Authorization> Get(std::chrono::system_clock::time_point now);

  // Thread-safe. The source's description, or why none was found.
  std::string Describe();

  static constexpr std::chrono::minutes kRefreshMargin{5};

 private:
  Resolver resolver_;
  std::mutex mu_;
  std::optional<Result<GcsCredentialSource>> source_;
  std::optional<GcsAccessToken> token_;
};

}  // namespace objectfs::internal
