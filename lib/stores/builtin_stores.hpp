// The stores every Client starts with.
#pragma once

#include "core/store_registry.hpp"

namespace objectfs::internal {

Status RegisterBuiltinStores(StoreRegistry& registry);

}  // namespace objectfs::internal
