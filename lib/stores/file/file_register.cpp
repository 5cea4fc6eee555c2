// file:///PATH and plain paths: local files.
#include "core/store_registry.hpp"
#include "stores/file/file_store.hpp"

namespace objectfs::internal {

Status RegisterFileStore(StoreRegistry& registry) {
  auto make = [](const Uri&, StoreContext&) -> Result<std::shared_ptr<ObjectStore>> {
    return std::shared_ptr<ObjectStore>(std::make_shared<FileStore>());
  };
  return registry.Register({{"file"}, UriStyle::kPath, std::move(make)});
}

}  // namespace objectfs::internal
