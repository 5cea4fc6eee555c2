// The objects a warm fetches: the URIs given, with prefixes expanded.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "objectfs/status.hpp"
#include "objectfs/store.hpp"
#include "warm/warm_source.hpp"

namespace objectfs::internal {

struct WarmTarget {
  std::string uri;
  uint64_t size = 0;
  // When named directly: the HEAD that found it, so the open sends no second one.
  std::optional<ObjectInfo> stat;
};

// Appends the objects named by `text`: the object itself, or everything under
// it when it is a prefix (ends in '/', a bucket alone, or no object of that
// name). Folder markers (empty keys ending in '/') are left out.
Status ExpandWarmUri(WarmSource& source, const std::string& text, std::vector<WarmTarget>* out);

}  // namespace objectfs::internal
