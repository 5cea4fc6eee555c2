// The AWS credential chain and S3 settings resolution, following the order and
// file formats of the AWS CLI/SDKs so that a machine configured for `aws s3`
// works unchanged. Everything is read at call time from injected inputs: no
// process-wide state, and tests never touch the real environment.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "auth/sigv4.hpp"
#include "http/transport.hpp"
#include "objectfs/options.hpp"
#include "objectfs/status.hpp"
#include "util/env.hpp"

namespace objectfs::internal {

struct ResolvedAwsCredentials {
  AwsCredentials credentials;  // empty access key = anonymous
  // Where they came from, for logs and errors, e.g. "environment variables
  // (AWS_ACCESS_KEY_ID)". Never contains the secret or the session token.
  std::string source;
  std::optional<std::chrono::system_clock::time_point> expiration;  // IMDS credentials expire
  bool anonymous() const { return credentials.access_key_id.empty(); }
};

struct AwsCredentialInputs {
  const S3Options* options = nullptr;  // explicit keys, profile, no_sign_request; nullptr: defaults
  EnvLookup env;
  HttpTransport* imds_transport = nullptr;  // nullptr: skip IMDS
  // AWS_EC2_METADATA_SERVICE_ENDPOINT overrides.
  std::string imds_endpoint = "http://169.254.169.254";
  // Per IMDS request: off EC2 the address is usually a black hole, and must fail fast.
  std::chrono::milliseconds imds_timeout{1000};
};

// First match wins:
//  1. options->no_sign_request: anonymous.
//  2. options->access_key_id/secret_access_key/session_token (a half-given pair is
//     InvalidArgument naming the missing field).
//  3. AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN, or the legacy
//     AWS_SECURITY_TOKEN); a half-given pair is InvalidArgument. Skipped when
//     options->profile is set: like `aws --profile`, an explicit profile beats env keys.
//  4. Shared credentials file (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials),
//     section [PROFILE], where PROFILE is options->profile, else AWS_PROFILE, else default.
//  5. Config file (AWS_CONFIG_FILE or ~/.aws/config), section [profile PROFILE]
//     (or [default]).
//  6. EC2 instance metadata, IMDSv2 only, unless AWS_EC2_METADATA_DISABLED=true.
// Errors: NotFound for a profile requested by name that neither file has;
// InvalidArgument for a malformed file (file and line named); Unimplemented for a
// profile that only has role_arn/sso/credential_process/web-identity settings;
// PermissionDenied "no AWS credentials found: tried ..." when nothing matched.
Result<ResolvedAwsCredentials> ResolveAwsCredentials(const AwsCredentialInputs& inputs);

struct S3Settings {
  // options->region, AWS_REGION, AWS_DEFAULT_REGION, config "region" of the
  // profile, else "us-east-1".
  std::string region;
  // options->endpoint_url, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the profile's
  // [services NAME] "s3 = / endpoint_url", the profile's "endpoint_url"; else ""
  // (AWS: https://s3.REGION.amazonaws.com). AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true
  // keeps only options->endpoint_url. Normalised to scheme://host[:port], no slash.
  std::string endpoint_url;
  // options->force_path_style, the profile's "s3 = / addressing_style = path", or
  // an endpoint host that is an IP literal (v4 or [v6]) or exactly "localhost":
  // such hosts cannot carry a bucket subdomain.
  bool path_style = false;
};

// InvalidArgument for an endpoint URL that is not http(s)://host[:port][/], or
// for a malformed config file.
Result<S3Settings> ResolveS3Settings(const S3Options& options, const EnvLookup& env);

}  // namespace objectfs::internal
