#include "auth/gcs_token_provider.hpp"

namespace objectfs::internal {

Result<GcsTokenProvider::Authorization> GcsTokenProvider::Get(
    std::chrono::system_clock::time_point now) {
  std::lock_guard lock(mu_);
  if (!source_) {
    source_.emplace(resolver_());
    if (source_->ok() && (*source_)->first_token) token_ = std::move((*source_)->first_token);
  }
  if (!source_->ok()) return source_->status();
  const GcsCredentialSource& source = **source_;
  if (!source.fetch) return Authorization{"", source.description};
  if (!token_ || token_->expiry - now < kRefreshMargin) {
    auto fresh = source.fetch(now);
    if (fresh.ok()) {
      token_ = std::move(*fresh);
    } else if (!token_ || token_->expiry <= now) {
      return fresh.status();
    }
  }
  return Authorization{token_->value, source.description};
}

std::string GcsTokenProvider::Describe() {
  std::lock_guard lock(mu_);
  if (!source_) return "unresolved credentials";
  return source_->ok() ? (*source_)->description : source_->status().message();
}

}  // namespace objectfs::internal
