// s3://BUCKET/KEY: the S3 store, with one credential chain per Client.
#include "auth/aws_credential_provider.hpp"
#include "core/store_registry.hpp"
#include "stores/s3/s3_store.hpp"

namespace objectfs::internal {

Status RegisterS3Store(StoreRegistry& registry) {
  auto make = [](const Uri& uri, StoreContext& context) -> Result<std::shared_ptr<ObjectStore>> {
    OBJECTFS_ASSIGN_OR_RETURN(S3Settings settings,
                              ResolveS3Settings(context.options.s3, context.env));
    auto credentials =
        context.shared.GetOrCreate<AwsCredentialProvider>("aws-credentials", [&context] {
          return std::make_shared<AwsCredentialProvider>(
              [options = &context.options, env = context.env, imds = context.raw] {
                AwsCredentialInputs inputs;
                inputs.options = &options->s3;
                inputs.env = env;
                inputs.imds_transport = imds.get();
                auto resolved = ResolveAwsCredentials(inputs);
                if (options->log) {
                  const std::string message =
                      resolved.ok() ? "S3 credentials from " + resolved->source
                                    : "no S3 credentials: " + resolved.status().ToString();
                  options->log({resolved.ok() ? LogLevel::kInfo : LogLevel::kWarning, message});
                }
                return resolved;
              });
        });
    return std::shared_ptr<ObjectStore>(std::make_shared<S3Store>(
        uri.bucket, std::move(settings), std::move(credentials), context.store));
  };
  return registry.Register({{"s3"}, UriStyle::kBucket, std::move(make)});
}

}  // namespace objectfs::internal
