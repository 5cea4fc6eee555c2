#include "auth/aws_credentials.hpp"

#include <arpa/inet.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "auth/ini_file.hpp"
#include "util/time_formats.hpp"

namespace objectfs::internal {
namespace {

constexpr std::string_view kImdsTokenTtlHeader = "X-aws-ec2-metadata-token-ttl-seconds";
constexpr std::string_view kImdsTokenHeader = "X-aws-ec2-metadata-token";
constexpr std::string_view kImdsRolePath = "/latest/meta-data/iam/security-credentials/";

std::string Env(const EnvLookup& env, std::string_view name) {
  if (!env) return {};
  std::optional<std::string> value = env(name);
  return value ? std::move(*value) : std::string();
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// `override_var`, with "~" expanded as botocore does, else $HOME/.aws/NAME; "" when
// HOME is needed but unset.
std::string AwsFilePath(const EnvLookup& env, std::string_view override_var,
                        std::string_view name) {
  std::string path = Env(env, override_var);
  const std::string home = Env(env, "HOME");
  if (path.empty()) return home.empty() ? std::string() : home + "/.aws/" + std::string(name);
  if ((path == "~" || path.starts_with("~/")) && !home.empty()) return home + path.substr(1);
  return path;
}

struct Profile {
  std::string name;
  bool named = false;  // requested by options->profile or AWS_PROFILE, so must exist
};

Profile ChooseProfile(const S3Options& options, const EnvLookup& env) {
  if (!options.profile.empty()) return {options.profile, true};
  std::string from_env = Env(env, "AWS_PROFILE");
  if (!from_env.empty()) return {std::move(from_env), true};
  return {"default", false};
}

// One AWS file as found for this resolution.
struct AwsFile {
  std::string kind;  // "shared credentials file" or "config file"
  std::string path;  // "" when HOME is unset and no override was given
  std::optional<IniFile> ini;
  const IniFile::Section* section = nullptr;  // the chosen profile's
  std::string Describe() const { return kind + " " + (path.empty() ? "(HOME not set)" : path); }
  std::string Where(const Profile& p) const { return Describe() + ", profile [" + p.name + "]"; }
};

Result<AwsFile> LoadAwsFile(std::string kind, std::string path, const Profile& profile,
                            bool config_syntax) {
  AwsFile file{std::move(kind), std::move(path), std::nullopt, nullptr};
  if (file.path.empty()) return file;
  OBJECTFS_ASSIGN_OR_RETURN(file.ini, IniFile::Load(file.path));
  if (!file.ini) return file;
  if (!config_syntax) {
    file.section = file.ini->Find(profile.name);
  } else if (profile.name == "default") {
    file.section = file.ini->Find("default");
    if (file.section == nullptr) file.section = file.ini->Find("profile default");
  } else {
    file.section = file.ini->Find("profile " + profile.name);
  }
  return file;
}

Result<AwsFile> LoadConfigFile(const EnvLookup& env, const Profile& profile) {
  return LoadAwsFile("config file", AwsFilePath(env, "AWS_CONFIG_FILE", "config"), profile, true);
}

const std::string* Get(const IniFile::Section* section, std::string_view key) {
  if (section == nullptr) return nullptr;
  auto it = section->find(key);
  return it == section->end() || it->second.empty() ? nullptr : &it->second;
}

// std::nullopt when the profile holds no static keys; an error for half a pair,
// which would otherwise silently fall through to some other identity.
Result<std::optional<AwsCredentials>> StaticKeys(const AwsFile& file, const Profile& profile) {
  const std::string* id = Get(file.section, "aws_access_key_id");
  const std::string* secret = Get(file.section, "aws_secret_access_key");
  if (id == nullptr && secret == nullptr) return std::optional<AwsCredentials>();
  if (id == nullptr || secret == nullptr) {
    return InvalidArgument(file.Where(profile) + " sets " +
                           (id ? "aws_access_key_id but not aws_secret_access_key"
                               : "aws_secret_access_key but not aws_access_key_id"));
  }
  const std::string* token = Get(file.section, "aws_session_token");
  return std::optional<AwsCredentials>(AwsCredentials{*id, *secret, token ? *token : ""});
}

// Profiles that the CLI would turn into credentials by other means; falling through
// to instance metadata instead would silently use a different identity.
Status CheckUnsupported(const AwsFile& file, const Profile& profile) {
  for (const char* key : {"role_arn", "credential_process", "sso_session", "sso_start_url",
                          "web_identity_token_file"}) {
    if (Get(file.section, key) != nullptr) {
      return Unimplemented(file.Where(profile) + " uses " + key +
                           ", which ObjectFS does not support; give it aws_access_key_id and "
                           "aws_secret_access_key, or export AWS_ACCESS_KEY_ID/"
                           "AWS_SECRET_ACCESS_KEY (e.g. from `aws configure export-credentials`)");
    }
  }
  return Status::Ok();
}

// IMDSv2. On failure returns std::nullopt and says why in `why_not` (never the
// response body: it may hold a secret).
std::optional<ResolvedAwsCredentials> FetchImds(const AwsCredentialInputs& in,
                                                std::string* why_not) {
  std::string endpoint = Env(in.env, "AWS_EC2_METADATA_SERVICE_ENDPOINT");
  if (endpoint.empty()) endpoint = in.imds_endpoint;
  while (endpoint.ends_with('/')) endpoint.pop_back();
  auto send = [&](std::string method, std::string_view path, Headers headers,
                  const char* step) -> std::optional<HttpResponse> {
    HttpRequest request;
    request.method = std::move(method);
    request.url = endpoint + std::string(path);
    request.headers = std::move(headers);
    request.timeout = in.imds_timeout;
    request.connect_timeout = in.imds_timeout;
    Result<HttpResponse> response = in.imds_transport->Send(request);
    if (!response.ok()) {
      *why_not = "unreachable at " + endpoint + ": " + response.status().message();
      return std::nullopt;
    }
    if (response->status != 200) {
      *why_not = std::string(step) + " returned HTTP " + std::to_string(response->status);
      return std::nullopt;
    }
    return std::move(response).value();
  };

  auto token = send("PUT", "/latest/api/token", {{std::string(kImdsTokenTtlHeader), "21600"}},
                    "token request");
  if (!token) return std::nullopt;
  const Headers auth = {{std::string(kImdsTokenHeader), std::string(Trim(token->body))}};
  auto roles = send("GET", kImdsRolePath, auth, "role listing (no IAM role attached?)");
  if (!roles) return std::nullopt;
  const std::string_view listing = Trim(roles->body);
  const std::string role(Trim(listing.substr(0, listing.find('\n'))));
  if (role.empty() || role.find_first_of("/?#") != std::string::npos) {
    *why_not = "no usable IAM role name attached to the instance";
    return std::nullopt;
  }
  auto doc = send("GET", std::string(kImdsRolePath) + role, auth, "credentials request");
  if (!doc) return std::nullopt;

  const nlohmann::json json = nlohmann::json::parse(doc->body, nullptr, /*allow_exceptions=*/false);
  auto field = [&](const char* name) -> std::string {
    if (!json.is_object()) return {};
    auto it = json.find(name);
    return it != json.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  const std::string code = field("Code");
  if (!code.empty() && code != "Success") {
    *why_not = "role " + role + " returned Code " + code;
    return std::nullopt;
  }
  ResolvedAwsCredentials out;
  out.credentials = {field("AccessKeyId"), field("SecretAccessKey"), field("Token")};
  if (out.credentials.access_key_id.empty() || out.credentials.secret_access_key.empty()) {
    *why_not = "malformed credentials document for role " + role;
    return std::nullopt;
  }
  const std::string expiration = field("Expiration");
  if (!expiration.empty()) {
    out.expiration = ParseIso8601Strict(expiration);
    if (!out.expiration) {
      *why_not = "unparseable Expiration for role " + role;
      return std::nullopt;
    }
  }
  out.source = "EC2 instance metadata (IMDSv2), role " + role;
  return out;
}

// Parses http(s)://host[:port][/]; returns the URL without the slash, and the host.
Result<std::pair<std::string, std::string>> ParseEndpoint(std::string_view url,
                                                          std::string_view from) {
  auto bad = [&](std::string_view why) {
    return InvalidArgument("endpoint URL \"" + std::string(url) + "\" (from " + std::string(from) +
                           ") " + std::string(why) + "; expected http(s)://host[:port]");
  };
  std::string scheme;
  for (std::string_view s : {"http://", "https://"}) {
    if (url.size() > s.size() && EqualsIgnoreCase(url.substr(0, s.size()), s)) scheme = s;
  }
  if (scheme.empty()) return bad("has no http:// or https:// scheme");
  std::string_view rest = url.substr(scheme.size());
  if (rest.ends_with('/')) rest.remove_suffix(1);
  if (rest.find_first_of("/?#@ ") != std::string_view::npos) {
    return bad("may not have a path, query or user info");
  }
  size_t host_end = rest.starts_with('[') ? rest.find(']') : rest.find(':');
  if (rest.starts_with('[')) {
    if (host_end == std::string_view::npos) return bad("has an unterminated [IPv6] host");
    in6_addr addr6;
    if (inet_pton(AF_INET6, std::string(rest.substr(1, host_end - 1)).c_str(), &addr6) != 1) {
      return bad("has an invalid IPv6 address");
    }
    ++host_end;
  }
  const std::string_view host = rest.substr(0, host_end);
  if (host.empty()) return bad("has no host");
  for (char c : host.starts_with('[') ? std::string_view() : host) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' && c != '_') {
      return bad("has an invalid host name");
    }
  }
  if (host.size() < rest.size()) {
    const std::string_view port = rest.substr(host.size() + 1);
    const bool digits = !port.empty() && port.size() <= 5 &&
                        port.find_first_not_of("0123456789") == std::string_view::npos;
    const int number = digits ? std::atoi(std::string(port).c_str()) : 0;
    if (rest[host.size()] != ':' || number < 1 || number > 65535) {
      return bad("has an invalid port");
    }
  }
  std::string normalized = scheme + std::string(rest);
  for (size_t i = 0; i < scheme.size(); ++i) {
    normalized[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(normalized[i])));
  }
  return std::make_pair(std::move(normalized), std::string(host));
}

}  // namespace

Result<ResolvedAwsCredentials> ResolveAwsCredentials(const AwsCredentialInputs& in) {
  const S3Options defaults;
  const S3Options& options = in.options != nullptr ? *in.options : defaults;
  if (options.no_sign_request) {
    return ResolvedAwsCredentials{{}, "anonymous (--no-sign-request)", {}};
  }

  if (!options.access_key_id.empty() || !options.secret_access_key.empty() ||
      !options.session_token.empty()) {
    if (options.access_key_id.empty()) {
      return InvalidArgument("explicit S3 credentials lack access_key_id");
    }
    if (options.secret_access_key.empty()) {
      return InvalidArgument("explicit S3 credentials lack secret_access_key");
    }
    return ResolvedAwsCredentials{
        {options.access_key_id, options.secret_access_key, options.session_token},
        "explicit options",
        {}};
  }

  const Profile profile = ChooseProfile(options, in.env);
  if (options.profile.empty()) {
    std::string id = Env(in.env, "AWS_ACCESS_KEY_ID");
    std::string secret = Env(in.env, "AWS_SECRET_ACCESS_KEY");
    if (!id.empty() && secret.empty()) {
      return InvalidArgument("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
    }
    if (id.empty() && !secret.empty()) {
      return InvalidArgument("AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not");
    }
    if (!id.empty()) {
      std::string token = Env(in.env, "AWS_SESSION_TOKEN");
      if (token.empty()) token = Env(in.env, "AWS_SECURITY_TOKEN");
      return ResolvedAwsCredentials{{std::move(id), std::move(secret), std::move(token)},
                                    "environment variables (AWS_ACCESS_KEY_ID)",
                                    {}};
    }
  }

  OBJECTFS_ASSIGN_OR_RETURN(
      AwsFile credentials,
      LoadAwsFile("shared credentials file",
                  AwsFilePath(in.env, "AWS_SHARED_CREDENTIALS_FILE", "credentials"), profile,
                  false));
  OBJECTFS_ASSIGN_OR_RETURN(AwsFile config, LoadConfigFile(in.env, profile));
  if (profile.named && credentials.section == nullptr && config.section == nullptr) {
    return NotFound("AWS profile [" + profile.name + "] not found in " + credentials.Describe() +
                    " or " + config.Describe());
  }
  for (const AwsFile* file : {&credentials, &config}) {
    OBJECTFS_ASSIGN_OR_RETURN(std::optional<AwsCredentials> keys, StaticKeys(*file, profile));
    if (keys) return ResolvedAwsCredentials{std::move(*keys), file->Where(profile), {}};
  }
  for (const AwsFile* file : {&credentials, &config}) {
    OBJECTFS_RETURN_IF_ERROR(CheckUnsupported(*file, profile));
  }

  std::string imds_why;
  if (in.imds_transport == nullptr) {
    imds_why = "not configured";
  } else if (EqualsIgnoreCase(Env(in.env, "AWS_EC2_METADATA_DISABLED"), "true")) {
    imds_why = "disabled by AWS_EC2_METADATA_DISABLED";
  } else if (auto imds = FetchImds(in, &imds_why)) {
    return std::move(*imds);
  }

  auto state = [&](const AwsFile& file) -> std::string {
    if (file.path.empty()) return "";
    if (!file.ini) return " (missing)";
    if (file.section == nullptr) return " (no profile [" + profile.name + "])";
    return " (profile [" + profile.name + "] has no keys)";
  };
  return PermissionDenied(
      "no AWS credentials found: tried explicit options, environment variables" +
      std::string(options.profile.empty() ? "" : " (skipped: profile given explicitly)") + ", " +
      credentials.Describe() + state(credentials) + ", " + config.Describe() + state(config) +
      ", EC2 instance metadata (" + imds_why +
      "); set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, configure a profile, or pass "
      "--no-sign-request for public buckets");
}

Result<S3Settings> ResolveS3Settings(const S3Options& options, const EnvLookup& env) {
  const Profile profile = ChooseProfile(options, env);
  OBJECTFS_ASSIGN_OR_RETURN(AwsFile config, LoadConfigFile(env, profile));
  const IniFile::Section* services = nullptr;
  if (const std::string* name = Get(config.section, "services")) {
    services = config.ini->Find("services " + *name);
  }

  S3Settings settings;
  const std::string* config_region = Get(config.section, "region");
  for (const std::string& region :
       {options.region, Env(env, "AWS_REGION"), Env(env, "AWS_DEFAULT_REGION"),
        config_region ? *config_region : std::string(), std::string("us-east-1")}) {
    if (!region.empty()) {
      settings.region = region;
      break;
    }
  }

  // AWS "service-specific endpoints" order; configured (non-option) ones can be
  // switched off as a whole.
  std::vector<std::pair<std::string, std::string>> endpoint_sources = {
      {options.endpoint_url, "options"}};
  if (!EqualsIgnoreCase(Env(env, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true")) {
    const std::string* service = Get(services, "s3.endpoint_url");
    const std::string* global = Get(config.section, "endpoint_url");
    endpoint_sources.insert(
        endpoint_sources.end(),
        {{Env(env, "AWS_ENDPOINT_URL_S3"), "AWS_ENDPOINT_URL_S3"},
         {Env(env, "AWS_ENDPOINT_URL"), "AWS_ENDPOINT_URL"},
         {service ? *service : "", config.Where(profile) + ", services s3 endpoint_url"},
         {global ? *global : "", config.Where(profile) + ", endpoint_url"}});
  }
  std::string host;
  for (auto& [value, from] : endpoint_sources) {
    if (value.empty()) continue;
    OBJECTFS_ASSIGN_OR_RETURN(auto parsed, ParseEndpoint(value, from));
    settings.endpoint_url = std::move(parsed.first);
    host = std::move(parsed.second);
    break;
  }

  const std::string* style = Get(config.section, "s3.addressing_style");
  in_addr addr4;
  settings.path_style = options.force_path_style || (style && EqualsIgnoreCase(*style, "path")) ||
                        host.starts_with('[') || EqualsIgnoreCase(host, "localhost") ||
                        (!host.empty() && inet_pton(AF_INET, host.c_str(), &addr4) == 1);
  return settings;
}

}  // namespace objectfs::internal
