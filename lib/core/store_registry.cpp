#include "core/store_registry.hpp"

#include <algorithm>

namespace objectfs::internal {

Status StoreRegistry::Register(StoreRegistration registration) {
  if (registration.schemes.empty() || !registration.make) {
    return InvalidArgument("a store registration needs a scheme and a factory");
  }
  std::lock_guard lock(mu_);
  for (const std::string& scheme : registration.schemes) {
    const bool valid = !scheme.empty() && std::all_of(scheme.begin(), scheme.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
    });
    if (!valid) {
      return InvalidArgument("invalid URI scheme '" + scheme +
                             "' (lower-case letters, digits, '+', '-' and '.')");
    }
    for (const StoreRegistration& existing : registrations_) {
      const bool taken = std::find(existing.schemes.begin(), existing.schemes.end(), scheme) !=
                         existing.schemes.end();
      if (taken && (existing.style != registration.style || !existing.serves)) {
        return InvalidArgument("the URI scheme '" + scheme + "' is already registered");
      }
    }
  }
  registrations_.push_back(std::move(registration));
  return Status::Ok();
}

SchemeRules StoreRegistry::Rules() const {
  std::map<std::string, UriStyle> styles;
  std::string supported;
  for (const StoreRegistration& registration : registrations_) {
    for (const std::string& scheme : registration.schemes) {
      if (!styles.emplace(scheme, registration.style).second) continue;
      supported += (supported.empty() ? "" : ", ") + scheme;
    }
  }
  return {[styles = std::move(styles)](std::string_view scheme) -> std::optional<UriStyle> {
            auto it = styles.find(std::string(scheme));
            return it == styles.end() ? std::nullopt : std::optional<UriStyle>(it->second);
          },
          supported};
}

Result<Uri> StoreRegistry::Parse(std::string_view text) const {
  SchemeRules rules;
  {
    std::lock_guard lock(mu_);
    rules = Rules();
  }
  return ParseUriWith(text, rules);
}

Result<std::shared_ptr<ObjectStore>> StoreRegistry::Create(const Uri& uri,
                                                           StoreContext& context) const {
  StoreMaker make;
  {
    std::lock_guard lock(mu_);
    for (const StoreRegistration& registration : registrations_) {
      const bool scheme = std::find(registration.schemes.begin(), registration.schemes.end(),
                                    uri.scheme) != registration.schemes.end();
      if (scheme && (!registration.serves || registration.serves(uri))) {
        make = registration.make;
        break;
      }
    }
  }
  if (!make) return Unimplemented("no store is registered for " + uri.scheme + "://");
  auto store = make(uri, context);
  if (store.ok() && *store == nullptr) {
    return Internal("the store factory for " + uri.scheme + ":// returned no store");
  }
  return store;
}

}  // namespace objectfs::internal
