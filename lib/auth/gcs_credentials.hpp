// Google Cloud credentials for the GCS store, in the order Google's client
// libraries use (Application Default Credentials): an explicit key file or
// GOOGLE_APPLICATION_CREDENTIALS, gcloud's ADC file, then the GCE metadata
// server. Everything is read through injected inputs (environment, transports,
// time): no process-wide state, and tests never touch the real environment.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "http/transport.hpp"
#include "objectfs/options.hpp"
#include "objectfs/status.hpp"
#include "util/env.hpp"

namespace objectfs::internal {

inline constexpr std::string_view kGcsReadOnlyScope =
    "https://www.googleapis.com/auth/devstorage.read_only";

struct GcsAccessToken {
  std::string value;  // the bearer token; never logged
  std::chrono::system_clock::time_point expiry;
};

// A credentials JSON file: "service_account" (a key) or "authorized_user"
// (gcloud's refresh token).
struct GoogleCredentialsFile {
  std::string type;
  std::string client_email, private_key, private_key_id;  // service_account
  std::string client_id, client_secret, refresh_token;    // authorized_user
  std::string token_uri = "https://oauth2.googleapis.com/token";
};

// `where` names the file for errors ("key file /x.json (GOOGLE_APPLICATION_CREDENTIALS)").
// InvalidArgument for malformed JSON, a missing field or an unsupported type.
Result<GoogleCredentialsFile> ParseGoogleCredentialsFile(std::string_view json,
                                                         std::string_view where);

// The OAuth2 token endpoint's answer ({"access_token", "expires_in"}) as a token,
// or an error naming `what`, the HTTP status and the server's error/error_description.
Result<GcsAccessToken> ParseTokenResponse(const HttpResponse& response, std::string_view what,
                                          std::chrono::system_clock::time_point now);

// Signs a service-account JWT at `now` and exchanges it at the file's token_uri
// (RFC 7523 jwt-bearer grant).
Result<GcsAccessToken> FetchServiceAccountToken(HttpTransport& transport,
                                                const GoogleCredentialsFile& key,
                                                std::string_view where,
                                                std::chrono::system_clock::time_point now);
// Redeems an authorized_user refresh token at the file's token_uri.
Result<GcsAccessToken> FetchAuthorizedUserToken(HttpTransport& transport,
                                                const GoogleCredentialsFile& user,
                                                std::string_view where,
                                                std::chrono::system_clock::time_point now);
// The default service account's token from the GCE metadata server at
// `host` (host[:port]); `timeout` bounds the whole exchange.
Result<GcsAccessToken> FetchMetadataServerToken(HttpTransport& transport, std::string_view host,
                                                std::chrono::milliseconds timeout,
                                                std::chrono::system_clock::time_point now);

// How a Client gets tokens, decided once.
struct GcsCredentialSource {
  // For errors and logs, e.g. "service account key file /k.json
  // (GOOGLE_APPLICATION_CREDENTIALS)". Never contains a secret.
  std::string description;
  // Empty: anonymous requests (no Authorization header).
  std::function<Result<GcsAccessToken>(std::chrono::system_clock::time_point)> fetch;
  // A token already obtained while resolving (the metadata server probe).
  std::optional<GcsAccessToken> first_token;
};

struct GcsCredentialInputs {
  const GcsOptions* options = nullptr;  // nullptr: defaults
  EnvLookup env;
  HttpTransport* token_transport = nullptr;          // OAuth2 token endpoint (with retries)
  HttpTransport* metadata_transport = nullptr;       // nullptr: skip the metadata server
  std::chrono::milliseconds metadata_timeout{1000};  // off GCE it must fail fast
};

// First match wins:
//  1. options->anonymous, or an emulator (STORAGE_EMULATOR_HOST / options->emulator_host):
//     anonymous.
//  2. options->credentials_file, else GOOGLE_APPLICATION_CREDENTIALS: that file
//     (unreadable or malformed: InvalidArgument naming the file and the variable).
//  3. gcloud's ADC file: $CLOUDSDK_CONFIG/application_default_credentials.json or
//     ~/.config/gcloud/application_default_credentials.json, when it exists.
//  4. The GCE metadata server (GCE_METADATA_HOST, default 169.254.169.254), unless
//     NO_GCE_CHECK=true; it must answer a token request within metadata_timeout.
// Otherwise PermissionDenied "no Google Cloud credentials found: tried ..." naming
// every source and why it did not apply.
Result<GcsCredentialSource> ResolveGcsCredentials(const GcsCredentialInputs& inputs);

}  // namespace objectfs::internal
