// http(s)://HOST[:PORT]/PATH?QUERY: any server that honours Range.
#include "core/store_registry.hpp"
#include "stores/http/http_store.hpp"

namespace objectfs::internal {

Status RegisterHttpStore(StoreRegistry& registry) {
  auto make = [](const Uri& uri, StoreContext& context) -> Result<std::shared_ptr<ObjectStore>> {
    return std::shared_ptr<ObjectStore>(
        std::make_shared<HttpStore>(uri.scheme + "://" + uri.bucket, context.store));
  };
  return registry.Register({{"https", "http"}, UriStyle::kHost, std::move(make)});
}

}  // namespace objectfs::internal
