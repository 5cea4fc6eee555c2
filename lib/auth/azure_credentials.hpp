// Azure Storage credentials and blob endpoint, resolved from options and the
// environment in the order the Azure CLI and SDKs document. Read at call time
// from injected inputs: no process-wide state; tests never touch the real env.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "objectfs/options.hpp"
#include "objectfs/status.hpp"
#include "util/env.hpp"

namespace objectfs::internal {

struct AzureCredentials {
  std::string account;
  // scheme://host[:port][/path], no trailing slash. Path-style endpoints (the
  // Azurite emulator: http://127.0.0.1:10000/devstoreaccount1) keep their path.
  std::string blob_endpoint;
  std::string account_key;  // decoded SharedKey bytes; empty when none
  std::string sas_token;    // query string without the leading '?'; empty when none
  // Where they came from, for errors, e.g. "AZURE_STORAGE_CONNECTION_STRING
  // (AccountKey)". Never the key or the SAS signature.
  std::string source;
  bool anonymous() const { return account_key.empty() && sas_token.empty(); }
};

// "Name=value;Name2=value2" (values may contain '='). Names are case-insensitive
// and returned as written; the empty input is an empty map.
Result<std::map<std::string, std::string>> ParseConnectionString(std::string_view text);

// First match wins:
//  1. options.anonymous: no credentials (account and endpoint still resolved).
//  2. options.connection_string, else options.account with options.account_key or
//     options.sas_token.
//  3. AZURE_STORAGE_CONNECTION_STRING: AccountName, AccountKey,
//     SharedAccessSignature, BlobEndpoint, DefaultEndpointsProtocol, EndpointSuffix,
//     or UseDevelopmentStorage=true (Azurite's well-known account on 127.0.0.1:10000).
//  4. AZURE_STORAGE_ACCOUNT with AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN
//     (alone: anonymous access to that account).
// The endpoint is options.endpoint_url, else BlobEndpoint, else
// PROTOCOL://ACCOUNT.blob.SUFFIX (https, core.windows.net).
// Errors: InvalidArgument naming the source for a malformed connection string or a
// key that is not base64; NotFound "no Azure storage account configured" when
// nothing names an account.
Result<AzureCredentials> ResolveAzureCredentials(const AzureOptions& options, const EnvLookup& env);

// For https://ACCOUNT.blob.core.windows.net/... URIs: the account comes from the
// host. Credentials resolved for another account are not sent there.
AzureCredentials CredentialsForAccountHost(Result<AzureCredentials> resolved,
                                           std::string_view account, std::string_view host);

// "ACCOUNT" when host is ACCOUNT.blob.core.windows.net (any case), else "".
std::string AzureAccountFromHost(std::string_view host);

}  // namespace objectfs::internal
