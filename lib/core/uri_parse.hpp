// URI parsing against a set of schemes (a Client's store registry, or the
// built-in ones for the public ParseUri).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "objectfs/uri.hpp"

namespace objectfs::internal {

struct SchemeRules {
  // The style of a registered scheme (lower case), nullopt when unknown.
  std::function<std::optional<UriStyle>(std::string_view scheme)> style;
  std::string supported;  // "s3, gs, ..." for the unknown-scheme message
};

Result<Uri> ParseUriWith(std::string_view text, const SchemeRules& rules);

// The rules of the built-in stores.
const SchemeRules& BuiltinSchemeRules();

}  // namespace objectfs::internal
