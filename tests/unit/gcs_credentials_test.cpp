// The Google credential chain, the OAuth2 exchanges over an in-process fake
// transport, and the token cache. No network, no real environment.
#include "auth/gcs_credentials.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "auth/gcs_token_provider.hpp"
#include "auth/jwt.hpp"
#include "unit/fake_transport.hpp"
#include "unit/test_rsa_key.hpp"

using namespace objectfs;
using namespace objectfs::internal;
using objectfs::testing::FakeTransport;
using objectfs::testing::HeaderOf;
using objectfs::testing::kTestRsaPrivateKeyPem;

namespace {

const auto kNow = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));

std::string ServiceAccountJson(std::string token_uri = "https://oauth2.example.test/token") {
  return nlohmann::json{{"type", "service_account"},
                        {"project_id", "p"},
                        {"private_key_id", "kid-1"},
                        {"private_key", kTestRsaPrivateKeyPem},
                        {"client_email", "sa@p.iam.gserviceaccount.com"},
                        {"token_uri", token_uri}}
      .dump();
}

EnvLookup MapEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

// A folder removed at the end of the test.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "objectfs-gcs-test-XXXXXX").string();
    path = ::mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string Write(const std::string& name, const std::string& content) const {
    std::ofstream(path / name) << content;
    return (path / name).string();
  }
};

std::map<std::string, std::string> FormFields(const std::string& body) {
  std::map<std::string, std::string> fields;
  size_t start = 0;
  while (start < body.size()) {
    size_t amp = body.find('&', start);
    if (amp == std::string::npos) amp = body.size();
    const std::string item = body.substr(start, amp - start);
    const size_t eq = item.find('=');
    fields[item.substr(0, eq)] = item.substr(eq + 1);
    start = amp + 1;
  }
  return fields;
}

}  // namespace

TEST_CASE("credential files: service accounts and authorized users parse, bad ones name the file",
          "[gcs-auth]") {
  auto key = ParseGoogleCredentialsFile(ServiceAccountJson(), "file k.json");
  REQUIRE(key.ok());
  CHECK(key->client_email == "sa@p.iam.gserviceaccount.com");
  CHECK(key->private_key_id == "kid-1");
  CHECK(key->token_uri == "https://oauth2.example.test/token");

  auto user = ParseGoogleCredentialsFile(
      R"({"type":"authorized_user","client_id":"c","client_secret":"s","refresh_token":"r"})",
      "file adc.json");
  REQUIRE(user.ok());
  CHECK(user->token_uri == "https://oauth2.googleapis.com/token");  // the default

  auto missing =
      ParseGoogleCredentialsFile(R"({"type":"service_account","client_email":"x"})", "file k.json");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().message().find("k.json") != std::string::npos);
  CHECK(missing.status().message().find("\"private_key\"") != std::string::npos);

  auto other = ParseGoogleCredentialsFile(R"({"type":"external_account"})", "file e.json");
  REQUIRE_FALSE(other.ok());
  CHECK(other.status().message().find("external_account") != std::string::npos);
  CHECK_FALSE(ParseGoogleCredentialsFile("not json", "file x").ok());
}

TEST_CASE("a service account's signed JWT is exchanged for a token at token_uri", "[gcs-auth]") {
  FakeTransport fake;
  fake.Push({Status::Ok(), 200, {}, R"({"access_token":"ya29.token","expires_in":3599})"});
  auto key = ParseGoogleCredentialsFile(ServiceAccountJson(), "file k.json").value();
  auto token = FetchServiceAccountToken(fake, key, "file k.json", kNow);
  REQUIRE(token.ok());
  CHECK(token->value == "ya29.token");
  CHECK(token->expiry == kNow + std::chrono::seconds(3599));

  REQUIRE(fake.requests.size() == 1);
  const auto& request = fake.requests[0];
  CHECK(request.method == "POST");
  CHECK(request.url == "https://oauth2.example.test/token");
  CHECK(HeaderOf(request, "content-type") == "application/x-www-form-urlencoded");
  auto fields = FormFields(request.body);
  CHECK(fields["grant_type"] == "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer");
  // The assertion is exactly the JWT of this key's claims at `now`.
  ServiceAccountClaims claims{key.client_email, key.private_key_id, std::string(kGcsReadOnlyScope),
                              key.token_uri};
  CHECK(fields["assertion"] == SignJwtRs256(ServiceAccountJwtHeader(claims),
                                            ServiceAccountJwtClaims(claims, kNow),
                                            kTestRsaPrivateKeyPem)
                                   .value());
}

TEST_CASE("a rejected token exchange names the account, the file and the server's reason",
          "[gcs-auth]") {
  FakeTransport fake;
  fake.Push({Status::Ok(),
             400,
             {},
             R"({"error":"invalid_grant","error_description":"Invalid JWT Signature."})"});
  auto key = ParseGoogleCredentialsFile(ServiceAccountJson(), "file /k.json").value();
  auto token = FetchServiceAccountToken(fake, key, "file /k.json", kNow);
  REQUIRE_FALSE(token.ok());
  CHECK(token.status().code() == StatusCode::kPermissionDenied);
  const std::string& message = token.status().message();
  CHECK(message.find("HTTP 400: invalid_grant: Invalid JWT Signature.") != std::string::npos);
  CHECK(message.find("sa@p.iam.gserviceaccount.com") != std::string::npos);
  CHECK(message.find("/k.json") != std::string::npos);
  CHECK(message.find("PRIVATE KEY") == std::string::npos);

  fake.Push({Status::Ok(), 503, {}, "busy"});
  auto unavailable = FetchServiceAccountToken(fake, key, "file /k.json", kNow);
  CHECK(unavailable.status().code() == StatusCode::kUnavailable);
  fake.Push({Status::Ok(), 200, {}, R"({"token_type":"Bearer"})"});
  CHECK_FALSE(FetchServiceAccountToken(fake, key, "file /k.json", kNow).ok());
}

TEST_CASE("an authorized user's refresh token is redeemed", "[gcs-auth]") {
  FakeTransport fake;
  fake.Push({Status::Ok(), 200, {}, R"({"access_token":"ya29.user","expires_in":100})"});
  auto user = ParseGoogleCredentialsFile(
                  R"({"type":"authorized_user","client_id":"c","client_secret":"s/+",)"
                  R"("refresh_token":"1//r"})",
                  "adc")
                  .value();
  auto token = FetchAuthorizedUserToken(fake, user, "adc", kNow);
  REQUIRE(token.ok());
  CHECK(token->value == "ya29.user");
  auto fields = FormFields(fake.requests.at(0).body);
  CHECK(fields["grant_type"] == "refresh_token");
  CHECK(fields["client_secret"] == "s%2F%2B");
  CHECK(fields["refresh_token"] == "1%2F%2Fr");
}

TEST_CASE("the GCE metadata server token needs Metadata-Flavor both ways", "[gcs-auth]") {
  FakeTransport fake;
  fake.Push({Status::Ok(),
             200,
             {{"metadata-flavor", "Google"}},
             R"({"access_token":"ya29.gce","expires_in":3000,"token_type":"Bearer"})"});
  auto token = FetchMetadataServerToken(fake, "10.0.0.1:8080", std::chrono::milliseconds(50), kNow);
  REQUIRE(token.ok());
  CHECK(token->value == "ya29.gce");
  const auto& request = fake.requests.at(0);
  CHECK(request.url ==
        "http://10.0.0.1:8080/computeMetadata/v1/instance/service-accounts/default/token");
  CHECK(HeaderOf(request, "metadata-flavor") == "Google");
  CHECK(request.timeout == std::chrono::milliseconds(50));

  fake.Push({Status::Ok(), 200, {}, R"({"access_token":"x","expires_in":3000})"});
  CHECK(FetchMetadataServerToken(fake, "h", std::chrono::milliseconds(50), kNow).status().code() ==
        StatusCode::kUnavailable);
}

TEST_CASE("credential chain: anonymous and emulator first, then files, then metadata",
          "[gcs-auth]") {
  FakeTransport tokens, metadata;
  GcsOptions options;
  GcsCredentialInputs in;
  in.options = &options;
  in.token_transport = &tokens;
  in.metadata_transport = &metadata;

  SECTION("an emulator needs no credentials") {
    in.env = MapEnv({{"STORAGE_EMULATOR_HOST", "127.0.0.1:9199"},
                     {"GOOGLE_APPLICATION_CREDENTIALS", "/nonexistent.json"}});
    auto source = ResolveGcsCredentials(in);
    REQUIRE(source.ok());
    CHECK_FALSE(source->fetch);
    CHECK(source->description.find("STORAGE_EMULATOR_HOST") != std::string::npos);
  }
  SECTION("anonymous on request") {
    options.anonymous = true;
    in.env = MapEnv({});
    auto source = ResolveGcsCredentials(in);
    REQUIRE(source.ok());
    CHECK_FALSE(source->fetch);
  }
  SECTION("GOOGLE_APPLICATION_CREDENTIALS names a key file") {
    TempDir dir;
    const std::string path = dir.Write("key.json", ServiceAccountJson());
    in.env = MapEnv({{"GOOGLE_APPLICATION_CREDENTIALS", path}});
    auto source = ResolveGcsCredentials(in);
    REQUIRE(source.ok());
    CHECK(source->description == "service account sa@p.iam.gserviceaccount.com from file " + path +
                                     " (GOOGLE_APPLICATION_CREDENTIALS)");
    tokens.Push({Status::Ok(), 200, {}, R"({"access_token":"t1","expires_in":3600})"});
    REQUIRE(source->fetch);
    CHECK(source->fetch(kNow).value().value == "t1");
    CHECK(metadata.requests.empty());
  }
  SECTION("the explicit option wins over the environment") {
    TempDir dir;
    options.credentials_file = dir.Write("key.json", ServiceAccountJson());
    in.env = MapEnv({{"GOOGLE_APPLICATION_CREDENTIALS", "/nonexistent.json"}});
    auto source = ResolveGcsCredentials(in);
    REQUIRE(source.ok());
    CHECK(source->description.find("credentials_file option") != std::string::npos);
  }
  SECTION("a missing key file is an error naming it and the variable") {
    in.env = MapEnv({{"GOOGLE_APPLICATION_CREDENTIALS", "/nonexistent/key.json"}});
    auto source = ResolveGcsCredentials(in);
    REQUIRE_FALSE(source.ok());
    CHECK(source.status().code() == StatusCode::kInvalidArgument);
    CHECK(source.status().message().find("/nonexistent/key.json") != std::string::npos);
    CHECK(source.status().message().find("GOOGLE_APPLICATION_CREDENTIALS") != std::string::npos);
  }
  SECTION("gcloud's application default credentials file") {
    TempDir dir;
    dir.Write("application_default_credentials.json",
              R"({"type":"authorized_user","client_id":"c","client_secret":"s",)"
              R"("refresh_token":"r"})");
    in.env = MapEnv({{"CLOUDSDK_CONFIG", dir.path.string()}});
    auto source = ResolveGcsCredentials(in);
    REQUIRE(source.ok());
    CHECK(source->description.find("authorized user") != std::string::npos);
  }
  SECTION("the metadata server, at GCE_METADATA_HOST") {
    in.env = MapEnv({{"HOME", "/nonexistent"}, {"GCE_METADATA_HOST", "127.0.0.9:1"}});
    metadata.Push({Status::Ok(),
                   200,
                   {{"metadata-flavor", "Google"}},
                   R"({"access_token":"gce","expires_in":3600})"});
    auto source = ResolveGcsCredentials(in);
    REQUIRE(source.ok());
    CHECK(source->description == "GCE metadata server 127.0.0.9:1");
    REQUIRE(source->first_token);
    CHECK(source->first_token->value == "gce");
  }
  SECTION("nothing found: every source is named with the reason") {
    in.env = MapEnv({{"HOME", "/nonexistent"}});
    metadata.Push({Unavailable("connect timed out"), 0, {}, ""});
    auto source = ResolveGcsCredentials(in);
    REQUIRE_FALSE(source.ok());
    CHECK(source.status().code() == StatusCode::kPermissionDenied);
    const std::string& message = source.status().message();
    CHECK(message.find("no Google Cloud credentials found") != std::string::npos);
    CHECK(message.find("GOOGLE_APPLICATION_CREDENTIALS (unset)") != std::string::npos);
    CHECK(message.find("/nonexistent/.config/gcloud/application_default_credentials.json") !=
          std::string::npos);
    CHECK(message.find("connect timed out") != std::string::npos);
  }
  SECTION("NO_GCE_CHECK skips the metadata server") {
    in.env = MapEnv({{"HOME", "/nonexistent"}, {"NO_GCE_CHECK", "True"}});
    auto source = ResolveGcsCredentials(in);
    REQUIRE_FALSE(source.ok());
    CHECK(source.status().message().find("disabled by NO_GCE_CHECK") != std::string::npos);
    CHECK(metadata.requests.empty());
  }
}

TEST_CASE("the token provider caches, refreshes before expiry and keeps a valid token",
          "[gcs-auth]") {
  int resolutions = 0, fetches = 0;
  bool fail_fetch = false;
  GcsTokenProvider provider([&]() -> Result<GcsCredentialSource> {
    ++resolutions;
    GcsCredentialSource source;
    source.description = "test source";
    source.fetch = [&](std::chrono::system_clock::time_point now) -> Result<GcsAccessToken> {
      ++fetches;
      if (fail_fetch) return Unavailable("token endpoint down");
      return GcsAccessToken{"token-" + std::to_string(fetches), now + std::chrono::hours(1)};
    };
    return source;
  });
  using std::chrono::minutes;
  CHECK(provider.Get(kNow).value().bearer_token == "token-1");
  CHECK(provider.Get(kNow + minutes(50)).value().bearer_token == "token-1");
  CHECK(provider.Get(kNow + minutes(56)).value().bearer_token == "token-2");  // < 5 min left
  fail_fetch = true;
  // token-2 expires at 116 min: a failed refresh keeps it while it is valid...
  CHECK(provider.Get(kNow + minutes(112)).value().bearer_token == "token-2");
  // ...and reports the failure once it has expired.
  auto expired = provider.Get(kNow + minutes(117));
  REQUIRE_FALSE(expired.ok());
  CHECK(expired.status().message() == "token endpoint down");
  CHECK(resolutions == 1);
  CHECK(provider.Describe() == "test source");
}

TEST_CASE("the token provider remembers a failed resolution", "[gcs-auth]") {
  int resolutions = 0;
  GcsTokenProvider provider([&]() -> Result<GcsCredentialSource> {
    ++resolutions;
    return PermissionDenied("no Google Cloud credentials found: tried ...");
  });
  CHECK_FALSE(provider.Get(kNow).ok());
  CHECK_FALSE(provider.Get(kNow).ok());
  CHECK(resolutions == 1);
}
