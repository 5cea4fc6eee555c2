#include "auth/azure_credentials.hpp"

#include <algorithm>

#include "auth/azure_shared_key.hpp"
#include "util/ascii.hpp"

namespace objectfs::internal {
namespace {

// Azurite's published development account (not a secret).
constexpr std::string_view kDevAccount = "devstoreaccount1";
constexpr std::string_view kDevKey =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
constexpr std::string_view kAzureBlobSuffix = ".blob.core.windows.net";

std::string Get(const EnvLookup& env, std::string_view name) {
  auto value = env ? env(name) : std::nullopt;
  return value ? *value : std::string();
}

std::string Field(const std::map<std::string, std::string>& fields, std::string_view name) {
  for (const auto& [k, v] : fields) {
    if (AsciiLower(k) == AsciiLower(name)) return v;
  }
  return {};
}

std::string StripQuestionMark(std::string sas) {
  if (!sas.empty() && sas.front() == '?') sas.erase(0, 1);
  return sas;
}

// Fills key (decoded) or SAS; the source names where they came from.
Status SetSecret(AzureCredentials& creds, const std::string& key, const std::string& sas,
                 const std::string& source) {
  if (!key.empty()) {
    auto decoded = Base64Decode(key);
    if (!decoded.ok()) {
      return InvalidArgument("the Azure account key from " + source + " is not valid base64");
    }
    creds.account_key = std::move(*decoded);
    creds.source = source + " (account key)";
  } else if (!sas.empty()) {
    creds.sas_token = StripQuestionMark(sas);
    creds.source = source + " (SAS token)";
  } else {
    creds.source = "anonymous (" + source + " has no key or SAS token)";
  }
  return Status::Ok();
}

Result<AzureCredentials> FromConnectionString(std::string_view text, const std::string& source) {
  auto fields = ParseConnectionString(text);
  if (!fields.ok()) {
    return InvalidArgument("malformed Azure connection string in " + source + ": " +
                           fields.status().message());
  }
  AzureCredentials creds;
  std::string key = Field(*fields, "AccountKey");
  if (AsciiLower(Field(*fields, "UseDevelopmentStorage")) == "true") {
    creds.account = std::string(kDevAccount);
    creds.blob_endpoint = "http://127.0.0.1:10000/" + std::string(kDevAccount);
    key = std::string(kDevKey);
  }
  if (std::string name = Field(*fields, "AccountName"); !name.empty()) creds.account = name;
  if (std::string endpoint = Field(*fields, "BlobEndpoint"); !endpoint.empty()) {
    creds.blob_endpoint = endpoint;
  }
  if (creds.account.empty()) {
    return InvalidArgument("the Azure connection string in " + source + " has no AccountName");
  }
  if (creds.blob_endpoint.empty()) {
    std::string protocol = Field(*fields, "DefaultEndpointsProtocol");
    std::string suffix = Field(*fields, "EndpointSuffix");
    creds.blob_endpoint = (protocol.empty() ? "https" : AsciiLower(protocol)) + "://" +
                          creds.account + ".blob." + (suffix.empty() ? "core.windows.net" : suffix);
  }
  OBJECTFS_RETURN_IF_ERROR(SetSecret(creds, key, Field(*fields, "SharedAccessSignature"), source));
  return creds;
}

Status NormalizeEndpoint(AzureCredentials& creds) {
  std::string& e = creds.blob_endpoint;
  while (!e.empty() && e.back() == '/') e.pop_back();
  const std::string lower = AsciiLower(e);
  if (!lower.starts_with("http://") && !lower.starts_with("https://")) {
    return InvalidArgument("Azure blob endpoint '" + e + "' (from " + creds.source +
                           ") must start with http:// or https://");
  }
  return Status::Ok();
}

}  // namespace

Result<std::map<std::string, std::string>> ParseConnectionString(std::string_view text) {
  std::map<std::string, std::string> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find(';', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view part = text.substr(pos, end - pos);
    pos = end + 1;
    while (!part.empty() && (part.front() == ' ' || part.front() == '\n')) part.remove_prefix(1);
    while (!part.empty() && (part.back() == ' ' || part.back() == '\n')) part.remove_suffix(1);
    if (part.empty()) continue;
    const size_t eq = part.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      // Never echo the part: it could be a key pasted without its name.
      return InvalidArgument("expected Name=value pairs separated by ';'");
    }
    out[std::string(part.substr(0, eq))] = std::string(part.substr(eq + 1));
  }
  return out;
}

Result<AzureCredentials> ResolveAzureCredentials(const AzureOptions& options,
                                                 const EnvLookup& env) {
  AzureCredentials creds;
  const std::string env_connection = Get(env, "AZURE_STORAGE_CONNECTION_STRING");
  const std::string env_account = Get(env, "AZURE_STORAGE_ACCOUNT");
  if (!options.connection_string.empty()) {
    OBJECTFS_ASSIGN_OR_RETURN(
        creds, FromConnectionString(options.connection_string, "--azure-connection-string"));
  } else if (!options.account.empty() &&
             (!options.account_key.empty() || !options.sas_token.empty())) {
    creds.account = options.account;
    OBJECTFS_RETURN_IF_ERROR(
        SetSecret(creds, options.account_key, options.sas_token, "explicit options"));
  } else if (!env_connection.empty()) {
    OBJECTFS_ASSIGN_OR_RETURN(creds, FromConnectionString(env_connection,
                                                          "environment variable "
                                                          "AZURE_STORAGE_CONNECTION_STRING"));
  } else if (!env_account.empty() || !options.account.empty()) {
    creds.account = options.account.empty() ? env_account : options.account;
    const std::string key = Get(env, "AZURE_STORAGE_KEY");
    const std::string sas = Get(env, "AZURE_STORAGE_SAS_TOKEN");
    OBJECTFS_RETURN_IF_ERROR(SetSecret(creds, key, sas,
                                       key.empty() && !sas.empty()
                                           ? "environment variable AZURE_STORAGE_SAS_TOKEN"
                                       : key.empty() ? "environment variable AZURE_STORAGE_ACCOUNT"
                                                     : "environment variable AZURE_STORAGE_KEY"));
  } else {
    return NotFound(
        "no Azure storage account configured: set AZURE_STORAGE_CONNECTION_STRING, or "
        "AZURE_STORAGE_ACCOUNT with AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN");
  }
  if (options.anonymous) {
    creds.account_key.clear();
    creds.sas_token.clear();
    creds.source = "anonymous (requested)";
  }
  if (!options.endpoint_url.empty()) {
    creds.blob_endpoint = options.endpoint_url;
  } else if (creds.blob_endpoint.empty()) {
    creds.blob_endpoint = "https://" + creds.account + std::string(kAzureBlobSuffix);
  }
  OBJECTFS_RETURN_IF_ERROR(NormalizeEndpoint(creds));
  return creds;
}

AzureCredentials CredentialsForAccountHost(Result<AzureCredentials> resolved,
                                           std::string_view account, std::string_view host) {
  AzureCredentials creds;
  if (resolved.ok() && AsciiLower(resolved->account) == AsciiLower(account)) {
    creds = std::move(*resolved);
  } else {
    creds.source = resolved.ok() ? "anonymous (the configured credentials are for account '" +
                                       resolved->account + "')"
                                 : "anonymous (no Azure credentials configured)";
  }
  creds.account = std::string(account);
  creds.blob_endpoint = "https://" + std::string(host);
  return creds;
}

std::string AzureAccountFromHost(std::string_view host) {
  const std::string lower = AsciiLower(host);
  if (!lower.ends_with(kAzureBlobSuffix) || lower.size() == kAzureBlobSuffix.size()) return {};
  return lower.substr(0, lower.size() - kAzureBlobSuffix.size());
}

}  // namespace objectfs::internal
