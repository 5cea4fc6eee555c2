#include "stores/builtin_stores.hpp"

namespace objectfs::internal {

// Each defined in its store's folder (stores/NAME/NAME_register.cpp).
Status RegisterS3Store(StoreRegistry& registry);
Status RegisterGcsStore(StoreRegistry& registry);
Status RegisterAzureStores(StoreRegistry& registry);
Status RegisterHttpStore(StoreRegistry& registry);
Status RegisterFileStore(StoreRegistry& registry);

Status RegisterBuiltinStores(StoreRegistry& registry) {
  // In order: a URI goes to the first store that serves it (Azure account
  // hosts before plain HTTPS).
  for (auto* register_store : {RegisterS3Store, RegisterGcsStore, RegisterAzureStores,
                               RegisterHttpStore, RegisterFileStore}) {
    OBJECTFS_RETURN_IF_ERROR(register_store(registry));
  }
  return Status::Ok();
}

}  // namespace objectfs::internal
