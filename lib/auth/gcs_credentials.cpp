#include "auth/gcs_credentials.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "auth/jwt.hpp"
#include "util/uri_encode.hpp"

namespace objectfs::internal {
namespace {

std::string Env(const EnvLookup& env, std::string_view name) {
  if (!env) return {};
  return env(name).value_or("");
}

bool IsTrue(std::string value) {
  for (char& c : value) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return value == "true" || value == "1" || value == "yes";
}

std::string StringField(const nlohmann::json& doc, const char* name) {
  auto it = doc.find(name);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Form body for the token endpoint (application/x-www-form-urlencoded).
std::string FormBody(std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
  std::string body;
  for (const auto& [name, value] : fields) {
    if (!body.empty()) body += '&';
    body += std::string(name) + "=" + UriEncode(value, true);
  }
  return body;
}

Result<GcsAccessToken> PostForm(HttpTransport& transport, const std::string& token_uri,
                                std::string body, std::string_view what,
                                std::chrono::system_clock::time_point now) {
  HttpRequest request;
  request.method = "POST";
  request.url = token_uri;
  request.headers = {{"content-type", "application/x-www-form-urlencoded"}};
  request.body = std::move(body);
  auto response = transport.Send(request);
  if (!response.ok()) {
    return Unavailable(std::string(what) + ": " + response.status().message());
  }
  return ParseTokenResponse(*response, what, now);
}

// The file, or an error naming it and where its name came from.
Result<std::string> ReadCredentialsFile(const std::string& path, std::string_view where) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return InvalidArgument("cannot read Google credentials " + std::string(where) + ": " +
                           std::strerror(errno));
  }
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

Result<GcsCredentialSource> SourceFromFile(const GcsCredentialInputs& in, const std::string& path,
                                           const std::string& where) {
  OBJECTFS_ASSIGN_OR_RETURN(std::string text, ReadCredentialsFile(path, where));
  OBJECTFS_ASSIGN_OR_RETURN(GoogleCredentialsFile file, ParseGoogleCredentialsFile(text, where));
  if (in.token_transport == nullptr) return Internal("no transport for the OAuth2 token endpoint");
  HttpTransport* transport = in.token_transport;
  GcsCredentialSource source;
  if (file.type == "service_account") {
    source.description = "service account " + file.client_email + " from " + where;
    source.fetch = [transport, file, where](std::chrono::system_clock::time_point now) {
      return FetchServiceAccountToken(*transport, file, where, now);
    };
  } else {
    source.description = "authorized user (refresh token) from " + where;
    source.fetch = [transport, file, where](std::chrono::system_clock::time_point now) {
      return FetchAuthorizedUserToken(*transport, file, where, now);
    };
  }
  return source;
}

GcsCredentialSource Anonymous(std::string description) {
  GcsCredentialSource source;
  source.description = std::move(description);
  return source;
}

}  // namespace

Result<GoogleCredentialsFile> ParseGoogleCredentialsFile(std::string_view json,
                                                         std::string_view where) {
  const std::string prefix = "Google credentials " + std::string(where) + ": ";
  nlohmann::json doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return InvalidArgument(prefix + "not a JSON object");
  GoogleCredentialsFile file;
  file.type = StringField(doc, "type");
  if (std::string uri = StringField(doc, "token_uri"); !uri.empty()) file.token_uri = uri;
  auto require = [&](const char* name, std::string* out) -> Status {
    *out = StringField(doc, name);
    if (out->empty()) return InvalidArgument(prefix + "missing \"" + std::string(name) + "\"");
    return Status::Ok();
  };
  if (file.type == "service_account") {
    OBJECTFS_RETURN_IF_ERROR(require("client_email", &file.client_email));
    OBJECTFS_RETURN_IF_ERROR(require("private_key", &file.private_key));
    file.private_key_id = StringField(doc, "private_key_id");
  } else if (file.type == "authorized_user") {
    OBJECTFS_RETURN_IF_ERROR(require("client_id", &file.client_id));
    OBJECTFS_RETURN_IF_ERROR(require("client_secret", &file.client_secret));
    OBJECTFS_RETURN_IF_ERROR(require("refresh_token", &file.refresh_token));
  } else {
    return InvalidArgument(prefix + "unsupported credential type \"" + file.type +
                           "\" (supported: service_account, authorized_user)");
  }
  if (!file.token_uri.starts_with("https://") && !file.token_uri.starts_with("http://")) {
    return InvalidArgument(prefix + "token_uri is not an http(s) URL");
  }
  return file;
}

Result<GcsAccessToken> ParseTokenResponse(const HttpResponse& response, std::string_view what,
                                          std::chrono::system_clock::time_point now) {
  nlohmann::json doc = nlohmann::json::parse(response.body, nullptr, false);
  if (response.status != 200) {
    std::string detail = "HTTP " + std::to_string(response.status);
    if (doc.is_object()) {
      // OAuth2 errors: {"error": "invalid_grant", "error_description": "..."}; the
      // metadata server and Google APIs: {"error": {"message": "..."}}.
      if (auto error = StringField(doc, "error"); !error.empty()) detail += ": " + error;
      if (auto it = doc.find("error"); it != doc.end() && it->is_object()) {
        detail += ": " + StringField(*it, "message");
      }
      if (auto text = StringField(doc, "error_description"); !text.empty()) detail += ": " + text;
    } else if (!response.body.empty() && response.body.size() < 300) {
      detail += ": " + response.body;
    }
    const std::string message = std::string(what) + " failed: " + detail;
    if (response.status >= 500 || response.status == 429) return Unavailable(message);
    return PermissionDenied(message);
  }
  if (!doc.is_object()) return PermissionDenied(std::string(what) + ": the answer is not JSON");
  GcsAccessToken token;
  token.value = StringField(doc, "access_token");
  if (token.value.empty()) {
    return PermissionDenied(std::string(what) + ": the answer has no access_token");
  }
  int64_t lifetime = 3600;
  if (auto it = doc.find("expires_in"); it != doc.end() && it->is_number_integer()) {
    lifetime = it->get<int64_t>();
  }
  token.expiry = now + std::chrono::seconds(lifetime);
  return token;
}

Result<GcsAccessToken> FetchServiceAccountToken(HttpTransport& transport,
                                                const GoogleCredentialsFile& key,
                                                std::string_view where,
                                                std::chrono::system_clock::time_point now) {
  ServiceAccountClaims claims{key.client_email, key.private_key_id, std::string(kGcsReadOnlyScope),
                              key.token_uri};
  auto jwt = SignJwtRs256(ServiceAccountJwtHeader(claims), ServiceAccountJwtClaims(claims, now),
                          key.private_key);
  if (!jwt.ok()) {
    return InvalidArgument("Google credentials " + std::string(where) + ": " +
                           jwt.status().message());
  }
  return PostForm(transport, key.token_uri,
                  FormBody({{"grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"},
                            {"assertion", *jwt}}),
                  "OAuth2 token exchange at " + key.token_uri + " for service account " +
                      key.client_email + " (" + std::string(where) + ")",
                  now);
}

Result<GcsAccessToken> FetchAuthorizedUserToken(HttpTransport& transport,
                                                const GoogleCredentialsFile& user,
                                                std::string_view where,
                                                std::chrono::system_clock::time_point now) {
  return PostForm(transport, user.token_uri,
                  FormBody({{"grant_type", "refresh_token"},
                            {"client_id", user.client_id},
                            {"client_secret", user.client_secret},
                            {"refresh_token", user.refresh_token}}),
                  "OAuth2 refresh at " + user.token_uri + " (" + std::string(where) + ")", now);
}

Result<GcsAccessToken> FetchMetadataServerToken(HttpTransport& transport, std::string_view host,
                                                std::chrono::milliseconds timeout,
                                                std::chrono::system_clock::time_point now) {
  HttpRequest request;
  request.url =
      "http://" + std::string(host) + "/computeMetadata/v1/instance/service-accounts/default/token";
  request.headers = {{"metadata-flavor", "Google"}};
  request.timeout = timeout;
  request.connect_timeout = timeout;
  const std::string what = "GCE metadata server token request to " + std::string(host);
  auto response = transport.Send(request);
  if (!response.ok()) return Unavailable(what + ": " + response.status().message());
  // Anything else answering on that address is not a metadata server.
  const std::string* flavor = response->Header("metadata-flavor");
  if (flavor == nullptr || *flavor != "Google") {
    return Unavailable(what + ": the answer lacks Metadata-Flavor: Google");
  }
  return ParseTokenResponse(*response, what, now);
}

Result<GcsCredentialSource> ResolveGcsCredentials(const GcsCredentialInputs& in) {
  const GcsOptions defaults;
  const GcsOptions& options = in.options != nullptr ? *in.options : defaults;
  if (options.anonymous) return Anonymous("anonymous (requested)");
  if (!options.emulator_host.empty()) return Anonymous("none (emulator)");
  if (!Env(in.env, "STORAGE_EMULATOR_HOST").empty()) {
    return Anonymous("none (emulator at STORAGE_EMULATOR_HOST)");
  }

  if (!options.credentials_file.empty()) {
    return SourceFromFile(in, options.credentials_file,
                          "file " + options.credentials_file + " (credentials_file option)");
  }
  if (std::string path = Env(in.env, "GOOGLE_APPLICATION_CREDENTIALS"); !path.empty()) {
    return SourceFromFile(in, path, "file " + path + " (GOOGLE_APPLICATION_CREDENTIALS)");
  }

  std::string adc_path;
  if (std::string dir = Env(in.env, "CLOUDSDK_CONFIG"); !dir.empty()) {
    adc_path = dir + "/application_default_credentials.json";
  } else if (std::string home = Env(in.env, "HOME"); !home.empty()) {
    adc_path = home + "/.config/gcloud/application_default_credentials.json";
  }
  if (!adc_path.empty() && std::ifstream(adc_path).good()) {
    return SourceFromFile(in, adc_path, "gcloud application default credentials " + adc_path);
  }

  std::string metadata_why;
  std::string host = Env(in.env, "GCE_METADATA_HOST");
  if (host.empty()) host = "169.254.169.254";
  if (in.metadata_transport == nullptr) {
    metadata_why = "not configured";
  } else if (IsTrue(Env(in.env, "NO_GCE_CHECK"))) {
    metadata_why = "disabled by NO_GCE_CHECK";
  } else {
    const auto now = std::chrono::system_clock::now();
    auto probe = FetchMetadataServerToken(*in.metadata_transport, host, in.metadata_timeout, now);
    if (probe.ok()) {
      HttpTransport* transport = in.metadata_transport;
      const auto timeout = std::max(in.metadata_timeout, std::chrono::milliseconds(5000));
      return GcsCredentialSource{
          "GCE metadata server " + host,
          [transport, host, timeout](std::chrono::system_clock::time_point t) {
            return FetchMetadataServerToken(*transport, host, timeout, t);
          },
          std::move(*probe)};
    }
    metadata_why = probe.status().message();
  }
  return PermissionDenied(
      "no Google Cloud credentials found: tried GOOGLE_APPLICATION_CREDENTIALS (unset), "
      "gcloud application default credentials (" +
      (adc_path.empty() ? std::string("HOME not set") : adc_path + " not found") +
      "), GCE metadata server (" + metadata_why +
      "); for public buckets use anonymous access (--gcs-anonymous)");
}

}  // namespace objectfs::internal
