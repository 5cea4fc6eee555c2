// StoreRegistry: which store serves a URI. Each store registers its schemes
// and a factory (lib/stores/builtin_stores.cpp lists the built-in ones, one
// line each); embedders add theirs through Client::RegisterStore. A Client
// owns one registry: nothing here is process-wide.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/uri_parse.hpp"
#include "http/transport.hpp"
#include "objectfs/options.hpp"
#include "objectfs/store.hpp"
#include "objectfs/uri.hpp"
#include "util/env.hpp"

namespace objectfs::internal {

// State several stores of one Client share (credential providers, say),
// created on first use. Thread-safe.
class SharedState {
 public:
  template <typename T>
  std::shared_ptr<T> GetOrCreate(const std::string& name,
                                 const std::function<std::shared_ptr<T>()>& make) {
    std::lock_guard lock(mu_);
    std::shared_ptr<void>& slot = objects_[name];
    if (!slot) slot = make();
    return std::static_pointer_cast<T>(slot);
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<void>> objects_;
};

// What a factory may use: the Client's options and environment, and its
// transports (`store`: retries and request counters; `retrying`: retries only,
// for token requests; `raw`: one attempt, for credential probes).
struct StoreContext {
  const ClientOptions& options;
  const EnvLookup& env;
  std::shared_ptr<HttpTransport> store;
  std::shared_ptr<HttpTransport> retrying;
  std::shared_ptr<HttpTransport> raw;
  SharedState& shared;
};

using StoreMaker =
    std::function<Result<std::shared_ptr<ObjectStore>>(const Uri& uri, StoreContext& context)>;

struct StoreRegistration {
  std::vector<std::string> schemes;  // lower case
  UriStyle style = UriStyle::kBucket;
  StoreMaker make;
  // When set, the registration serves only the URIs it accepts; the first
  // registration (in order) that serves a URI wins.
  std::function<bool(const Uri&)> serves = {};
};

class StoreRegistry {
 public:
  // Fails when a scheme is registered with another style already. Thread-safe.
  Status Register(StoreRegistration registration);

  // Parses `text` with the registered schemes. Thread-safe.
  Result<Uri> Parse(std::string_view text) const;

  // A new store for `uri` from the first registration that serves it. Thread-safe.
  Result<std::shared_ptr<ObjectStore>> Create(const Uri& uri, StoreContext& context) const;

 private:
  SchemeRules Rules() const;  // a snapshot, under mu_

  mutable std::mutex mu_;
  std::vector<StoreRegistration> registrations_;
};

}  // namespace objectfs::internal
