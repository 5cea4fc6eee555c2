// Caches the result of the AWS credential chain for one Client and refreshes
// expiring (instance metadata) credentials before they lapse.
#pragma once

#include <functional>
#include <mutex>
#include <optional>

#include "auth/aws_credentials.hpp"

namespace objectfs::internal {

class AwsCredentialProvider {
 public:
  using Resolver = std::function<Result<ResolvedAwsCredentials>()>;

  explicit AwsCredentialProvider(Resolver resolver) : resolver_(std::move(resolver)) {}

  // Thread-safe. The chain runs on first use; a failure is remembered so a
  // mount does not probe instance metadata on every request.
  Result<ResolvedAwsCredentials> Get(std::chrono::system_clock::time_point now) {
    std::lock_guard lock(mu_);
    const bool expiring = cached_ && cached_->ok() && (*cached_)->expiration &&
                          *(*cached_)->expiration - now < std::chrono::minutes(5);
    if (!cached_ || expiring) cached_.emplace(resolver_());
    return *cached_;
  }

 private:
  Resolver resolver_;
  std::mutex mu_;
  std::optional<Result<ResolvedAwsCredentials>> cached_;
};

}  // namespace objectfs::internal
