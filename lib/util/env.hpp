// Environment lookup as a value, so resolvers can be tested with a fake
// environment and a Client never reads process state behind its options.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace objectfs::internal {

// Returns the variable's value, or std::nullopt when unset. Empty values are
// treated as unset by the resolvers, as the AWS SDKs do.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;
EnvLookup ProcessEnv();  // wraps getenv

}  // namespace objectfs::internal
