// az://CONTAINER/BLOB, and https://ACCOUNT.blob.core.windows.net/CONTAINER/BLOB
// (keys "CONTAINER/BLOB"), served before the plain HTTP(S) store sees them.
#include "core/store_registry.hpp"
#include "stores/azure/azure_store.hpp"

namespace objectfs::internal {

Status RegisterAzureStores(StoreRegistry& registry) {
  auto container = [](const Uri& uri,
                      StoreContext& context) -> Result<std::shared_ptr<ObjectStore>> {
    OBJECTFS_ASSIGN_OR_RETURN(AzureCredentials creds,
                              ResolveAzureCredentials(context.options.azure, context.env));
    return std::shared_ptr<ObjectStore>(
        std::make_shared<AzureStore>(uri.bucket, std::move(creds), context.store));
  };
  OBJECTFS_RETURN_IF_ERROR(registry.Register({{"az"}, UriStyle::kBucket, std::move(container)}));
  auto account = [](const Uri& uri, StoreContext& context) -> Result<std::shared_ptr<ObjectStore>> {
    Result<AzureCredentials> resolved = ResolveAzureCredentials(context.options.azure, context.env);
    // No account configured is fine (anonymous); a broken configuration is not.
    if (!resolved.ok() && resolved.status().code() != StatusCode::kNotFound) {
      return resolved.status();
    }
    AzureCredentials creds = CredentialsForAccountHost(
        std::move(resolved), AzureAccountFromHost(uri.bucket), uri.bucket);
    return std::shared_ptr<ObjectStore>(
        std::make_shared<AzureStore>("", std::move(creds), context.store));
  };
  return registry.Register(
      {{"https", "http"}, UriStyle::kHost, std::move(account), [](const Uri& uri) {
         return !AzureAccountFromHost(uri.bucket).empty();
       }});
}

}  // namespace objectfs::internal
