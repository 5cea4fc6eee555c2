// gs://BUCKET/KEY: the GCS JSON API store, with one token provider per Client.
#include "auth/gcs_token_provider.hpp"
#include "core/store_registry.hpp"
#include "stores/gcs/gcs_store.hpp"

namespace objectfs::internal {

Status RegisterGcsStore(StoreRegistry& registry) {
  auto make = [](const Uri& uri, StoreContext& context) -> Result<std::shared_ptr<ObjectStore>> {
    OBJECTFS_ASSIGN_OR_RETURN(GcsSettings settings,
                              ResolveGcsSettings(context.options.gcs, context.env));
    auto tokens = context.shared.GetOrCreate<GcsTokenProvider>("gcs-tokens", [&context] {
      return std::make_shared<GcsTokenProvider>([options = &context.options, env = context.env,
                                                 token = context.retrying, metadata = context.raw] {
        GcsCredentialInputs inputs;
        inputs.options = &options->gcs;
        inputs.env = env;
        inputs.token_transport = token.get();
        inputs.metadata_transport = metadata.get();
        auto resolved = ResolveGcsCredentials(inputs);
        if (options->log) {
          const std::string message = resolved.ok()
                                          ? "GCS credentials: " + resolved->description
                                          : "no GCS credentials: " + resolved.status().ToString();
          options->log({resolved.ok() ? LogLevel::kInfo : LogLevel::kWarning, message});
        }
        return resolved;
      });
    });
    return std::shared_ptr<ObjectStore>(std::make_shared<GcsStore>(
        uri.bucket, std::move(settings), std::move(tokens), context.store));
  };
  return registry.Register({{"gs"}, UriStyle::kBucket, std::move(make)});
}

}  // namespace objectfs::internal
