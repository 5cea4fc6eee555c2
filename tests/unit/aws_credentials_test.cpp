// The AWS credential chain and S3 settings: every step, precedence between steps,
// the error messages a user sees, and IMDSv2 against a scripted transport.
#include "auth/aws_credentials.hpp"

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "auth/ini_file.hpp"

namespace objectfs::internal {
namespace {

using Env = std::map<std::string, std::string, std::less<>>;

EnvLookup FakeEnv(Env vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

// A fresh $HOME with helpers to write ~/.aws files; removed on destruction.
class TempHome {
 public:
  TempHome() {
    std::string pattern = (std::filesystem::temp_directory_path() / "awscred.XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    dir_ = pattern;
    std::filesystem::create_directories(dir_ + "/.aws");
  }
  ~TempHome() { std::filesystem::remove_all(dir_); }
  const std::string& dir() const { return dir_; }
  std::string Write(const std::string& relative, const std::string& text) const {
    const std::string path = dir_ + "/" + relative;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  std::string Credentials() const { return dir_ + "/.aws/credentials"; }
  std::string Config() const { return dir_ + "/.aws/config"; }

 private:
  std::string dir_;
};

// Scripts responses per "METHOD URL" (unscripted: 404) and records every request.
class FakeTransport : public HttpTransport {
 public:
  void Script(const std::string& method_url, Result<HttpResponse> response) {
    responses_.insert_or_assign(method_url, std::move(response));
  }
  void ScriptOk(const std::string& method_url, std::string body) {
    HttpResponse response;
    response.status = 200;
    response.body = std::move(body);
    Script(method_url, response);
  }
  Result<HttpResponse> Send(const HttpRequest& request) override {
    requests.push_back(request);
    auto it = responses_.find(request.method + " " + request.url);
    if (it != responses_.end()) return it->second;
    HttpResponse not_found;
    not_found.status = 404;
    return not_found;
  }
  std::vector<HttpRequest> requests;

 private:
  std::map<std::string, Result<HttpResponse>> responses_;
};

std::string HeaderOf(const HttpRequest& request, std::string_view name) {
  for (const auto& [key, value] : request.headers) {
    if (key.size() == name.size() &&
        std::equal(key.begin(), key.end(), name.begin(),
                   [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
      return value;
    }
  }
  return "<absent>";
}

constexpr const char* kImds = "http://169.254.169.254";
constexpr const char* kImdsDoc = R"({"Code": "Success", "Type": "AWS-HMAC",
  "AccessKeyId": "ASIAIMDS", "SecretAccessKey": "imds-secret", "Token": "imds-token",
  "Expiration": "2026-11-25T20:00:00Z"})";

void ScriptImds(FakeTransport& t, const std::string& base = kImds) {
  t.ScriptOk("PUT " + base + "/latest/api/token", "TOKEN123");
  t.ScriptOk("GET " + base + "/latest/meta-data/iam/security-credentials/", "my-role\n");
  t.ScriptOk("GET " + base + "/latest/meta-data/iam/security-credentials/my-role", kImdsDoc);
}

Result<ResolvedAwsCredentials> Resolve(const S3Options& options, Env env,
                                       HttpTransport* transport = nullptr) {
  AwsCredentialInputs in{&options, FakeEnv(std::move(env))};
  in.imds_transport = transport;
  in.imds_timeout = std::chrono::milliseconds(250);
  return ResolveAwsCredentials(in);
}

TEST_CASE("no_sign_request is anonymous and beats every other source") {
  TempHome home;
  home.Write(".aws/credentials", "[default]\naws_access_key_id=AKFILE\naws_secret_access_key=s\n");
  S3Options options;
  options.no_sign_request = true;
  options.access_key_id = "AKOPT";
  options.secret_access_key = "opt-secret";
  auto r = Resolve(options, {{"HOME", home.dir()}, {"AWS_ACCESS_KEY_ID", "AKENV"}});
  REQUIRE(r.ok());
  CHECK(r->anonymous());
  CHECK(r->credentials.secret_access_key.empty());
  CHECK(r->source == "anonymous (--no-sign-request)");
}

TEST_CASE("explicit options beat environment variables") {
  S3Options options;
  options.access_key_id = "AKOPT";
  options.secret_access_key = "opt-secret";
  options.session_token = "opt-token";
  auto r = Resolve(options, {{"AWS_ACCESS_KEY_ID", "AKENV"}, {"AWS_SECRET_ACCESS_KEY", "e"}});
  REQUIRE(r.ok());
  CHECK(r->credentials.access_key_id == "AKOPT");
  CHECK(r->credentials.secret_access_key == "opt-secret");
  CHECK(r->credentials.session_token == "opt-token");
  CHECK(r->source == "explicit options");
  CHECK_FALSE(r->expiration.has_value());
}

TEST_CASE("half-given explicit options name the missing field") {
  S3Options options;
  options.access_key_id = "AKOPT";
  auto r = Resolve(options, {});
  REQUIRE(r.status().code() == StatusCode::kInvalidArgument);
  CHECK_THAT(r.status().message(), Catch::Contains("secret_access_key"));
  options.access_key_id.clear();
  options.secret_access_key = "opt-secret";
  r = Resolve(options, {});
  REQUIRE(r.status().code() == StatusCode::kInvalidArgument);
  CHECK_THAT(r.status().message(), Catch::Contains("access_key_id"));
  CHECK_THAT(r.status().message(), !Catch::Contains("opt-secret"));
}

TEST_CASE("environment variables beat the shared credentials file") {
  TempHome home;
  home.Write(".aws/credentials", "[default]\naws_access_key_id=AKFILE\naws_secret_access_key=s\n");
  auto r = Resolve({}, {{"HOME", home.dir()},
                        {"AWS_ACCESS_KEY_ID", "AKENV"},
                        {"AWS_SECRET_ACCESS_KEY", "env-secret"},
                        {"AWS_SESSION_TOKEN", "env-token"}});
  REQUIRE(r.ok());
  CHECK(r->credentials.access_key_id == "AKENV");
  CHECK(r->credentials.secret_access_key == "env-secret");
  CHECK(r->credentials.session_token == "env-token");
  CHECK(r->source == "environment variables (AWS_ACCESS_KEY_ID)");
}

TEST_CASE("a half-given environment pair is an error, not a fall-through") {
  auto r = Resolve({}, {{"AWS_ACCESS_KEY_ID", "AKENV"}});
  REQUIRE(r.status().code() == StatusCode::kInvalidArgument);
  CHECK_THAT(r.status().message(), Catch::Contains("AWS_SECRET_ACCESS_KEY"));
}

TEST_CASE("shared credentials file, default profile, beats the config file") {
  TempHome home;
  home.Write(".aws/credentials",
             "# comment\n[default]\naws_access_key_id = AKFILE\r\naws_secret_access_key = "
             "file-secret\naws_session_token = file-token\n");
  home.Write(".aws/config", "[default]\naws_access_key_id=AKCONF\naws_secret_access_key=c\n");
  auto r = Resolve({}, {{"HOME", home.dir()}});
  REQUIRE(r.ok());
  CHECK(r->credentials.access_key_id == "AKFILE");
  CHECK(r->credentials.secret_access_key == "file-secret");
  CHECK(r->credentials.session_token == "file-token");
  CHECK(r->source == "shared credentials file " + home.Credentials() + ", profile [default]");
}

TEST_CASE("AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE override the paths") {
  TempHome home;
  home.Write(".aws/credentials", "[default]\naws_access_key_id=AKHOME\naws_secret_access_key=h\n");
  const std::string other =
      home.Write("other-creds", "[default]\naws_access_key_id=AKOTHER\naws_secret_access_key=o\n");
  auto r = Resolve({}, {{"HOME", home.dir()}, {"AWS_SHARED_CREDENTIALS_FILE", other}});
  REQUIRE(r.ok());
  CHECK(r->credentials.access_key_id == "AKOTHER");

  const std::string conf = home.Write(
      "other-conf", "[profile dev]\naws_access_key_id=AKCONF\naws_secret_access_key=c\n");
  r = Resolve({}, {{"HOME", home.dir()}, {"AWS_CONFIG_FILE", conf}, {"AWS_PROFILE", "dev"}});
  REQUIRE(r.ok());
  CHECK(r->credentials.access_key_id == "AKCONF");
  CHECK(r->source == "config file " + conf + ", profile [dev]");
}

TEST_CASE("profile selection: options, then AWS_PROFILE, then default") {
  TempHome home;
  home.Write(".aws/credentials",
             "[default]\naws_access_key_id=AKDEF\naws_secret_access_key=d\n"
             "[dev]\naws_access_key_id=AKDEV\naws_secret_access_key=v\n"
             "[prod]\naws_access_key_id=AKPROD\naws_secret_access_key=p\n");
  S3Options options;
  auto r = Resolve(options, {{"HOME", home.dir()}, {"AWS_PROFILE", "prod"}});
  REQUIRE(r.ok());
  CHECK(r->credentials.access_key_id == "AKPROD");
  CHECK(r->source == "shared credentials file " + home.Credentials() + ", profile [prod]");

  options.profile = "dev";
  r = Resolve(options, {{"HOME", home.dir()}, {"AWS_PROFILE", "prod"}});
  REQUIRE(r.ok());
  CHECK(r->credentials.access_key_id == "AKDEV");
}

TEST_CASE("a profile given in options beats environment keys, as with aws --profile") {
  TempHome home;
  home.Write(".aws/credentials", "[dev]\naws_access_key_id=AKDEV\naws_secret_access_key=v\n");
  S3Options options;
  options.profile = "dev";
  auto r = Resolve(
      options,
      {{"HOME", home.dir()}, {"AWS_ACCESS_KEY_ID", "AKENV"}, {"AWS_SECRET_ACCESS_KEY", "e"}});
  REQUIRE(r.ok());
  CHECK(r->credentials.access_key_id == "AKDEV");
  // AWS_PROFILE does not: env keys still win over it, as in botocore.
  r = Resolve({}, {{"HOME", home.dir()},
                   {"AWS_PROFILE", "dev"},
                   {"AWS_ACCESS_KEY_ID", "AKENV"},
                   {"AWS_SECRET_ACCESS_KEY", "e"}});
  REQUIRE(r.ok());
  CHECK(r->credentials.access_key_id == "AKENV");
}

TEST_CASE("config file uses [profile NAME] sections, and [default]") {
  TempHome home;
  home.Write(".aws/config",
             "[default]\nregion = eu-west-1\n"
             "[profile  dev]\naws_access_key_id = AKDEV\naws_secret_access_key = dev-secret\n"
             "aws_session_token = dev-token\n"
             "[prod]\naws_access_key_id = AKWRONG\naws_secret_access_key = w\n");
  S3Options options;
  options.profile = "dev";
  auto r = Resolve(options, {{"HOME", home.dir()}});
  REQUIRE(r.ok());
  CHECK(r->credentials.access_key_id == "AKDEV");
  CHECK(r->credentials.session_token == "dev-token");
  CHECK(r->source == "config file " + home.Config() + ", profile [dev]");

  // "[prod]" without the "profile " prefix is not a config-file profile.
  options.profile = "prod";
  r = Resolve(options, {{"HOME", home.dir()}});
  CHECK(r.status().code() == StatusCode::kNotFound);

  home.Write(".aws/config", "[default]\naws_access_key_id=AKCDEF\naws_secret_access_key=x\n");
  r = Resolve({}, {{"HOME", home.dir()}});
  REQUIRE(r.ok());
  CHECK(r->credentials.access_key_id == "AKCDEF");
}

TEST_CASE("a named profile missing from both files is NotFound naming both files") {
  TempHome home;
  home.Write(".aws/credentials", "[default]\naws_access_key_id=AKDEF\naws_secret_access_key=d\n");
  FakeTransport imds;
  ScriptImds(imds);
  auto r = Resolve({}, {{"HOME", home.dir()}, {"AWS_PROFILE", "nope"}}, &imds);
  REQUIRE(r.status().code() == StatusCode::kNotFound);
  CHECK_THAT(r.status().message(), Catch::Contains("[nope]"));
  CHECK_THAT(r.status().message(), Catch::Contains(home.Credentials()));
  CHECK_THAT(r.status().message(), Catch::Contains(home.Config()));
  CHECK(imds.requests.empty());
}

TEST_CASE("malformed and half-filled files are InvalidArgument naming file and line") {
  TempHome home;
  home.Write(".aws/credentials", "[default]\naws_access_key_id=AK\nthis is not ini\n");
  auto r = Resolve({}, {{"HOME", home.dir()}});
  REQUIRE(r.status().code() == StatusCode::kInvalidArgument);
  CHECK_THAT(r.status().message(), Catch::Contains(home.Credentials() + " line 3"));

  home.Write(".aws/credentials", "[default]\naws_access_key_id=AKONLY\n");
  r = Resolve({}, {{"HOME", home.dir()}});
  REQUIRE(r.status().code() == StatusCode::kInvalidArgument);
  CHECK_THAT(r.status().message(), Catch::Contains("aws_secret_access_key"));
}

TEST_CASE("a role_arn-only profile is Unimplemented rather than a silent IMDS fallback") {
  TempHome home;
  home.Write(".aws/config", "[profile ops]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile=a\n");
  FakeTransport imds;
  ScriptImds(imds);
  S3Options options;
  options.profile = "ops";
  auto r = Resolve(options, {{"HOME", home.dir()}}, &imds);
  REQUIRE(r.status().code() == StatusCode::kUnimplemented);
  CHECK_THAT(r.status().message(), Catch::Contains("role_arn"));
  CHECK(imds.requests.empty());
}

TEST_CASE("IMDSv2: token PUT, role listing, role document") {
  TempHome home;
  FakeTransport imds;
  ScriptImds(imds);
  auto r = Resolve({}, {{"HOME", home.dir()}}, &imds);
  REQUIRE(r.ok());
  CHECK(r->credentials.access_key_id == "ASIAIMDS");
  CHECK(r->credentials.secret_access_key == "imds-secret");
  CHECK(r->credentials.session_token == "imds-token");
  CHECK_THAT(r->source, Catch::StartsWith("EC2 instance metadata (IMDSv2)"));
  CHECK_THAT(r->source, !Catch::Contains("imds-secret"));
  std::tm tm{};
  tm.tm_year = 2026 - 1900;
  tm.tm_mon = 10;
  tm.tm_mday = 25;
  tm.tm_hour = 20;
  REQUIRE(r->expiration.has_value());
  CHECK(*r->expiration == std::chrono::system_clock::from_time_t(timegm(&tm)));

  REQUIRE(imds.requests.size() == 3);
  CHECK(imds.requests[0].method == "PUT");
  CHECK(imds.requests[0].url == std::string(kImds) + "/latest/api/token");
  CHECK(HeaderOf(imds.requests[0], "x-aws-ec2-metadata-token-ttl-seconds") == "21600");
  CHECK(imds.requests[1].url == std::string(kImds) + "/latest/meta-data/iam/security-credentials/");
  CHECK(imds.requests[2].url ==
        std::string(kImds) + "/latest/meta-data/iam/security-credentials/my-role");
  for (size_t i = 1; i < 3; ++i) {
    CHECK(imds.requests[i].method == "GET");
    CHECK(HeaderOf(imds.requests[i], "x-aws-ec2-metadata-token") == "TOKEN123");
  }
  for (const HttpRequest& request : imds.requests) {
    CHECK(request.timeout == std::chrono::milliseconds(250));
    CHECK(request.connect_timeout == std::chrono::milliseconds(250));
  }
}

TEST_CASE("AWS_EC2_METADATA_SERVICE_ENDPOINT overrides the IMDS address") {
  FakeTransport imds;
  ScriptImds(imds, "http://[fd00:ec2::254]");
  auto r = Resolve({}, {{"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://[fd00:ec2::254]/"}}, &imds);
  REQUIRE(r.ok());
  CHECK(r->credentials.access_key_id == "ASIAIMDS");
  REQUIRE_FALSE(imds.requests.empty());
  CHECK(imds.requests[0].url == "http://[fd00:ec2::254]/latest/api/token");
}

TEST_CASE("files beat IMDS") {
  TempHome home;
  home.Write(".aws/credentials", "[default]\naws_access_key_id=AKFILE\naws_secret_access_key=f\n");
  FakeTransport imds;
  ScriptImds(imds);
  auto r = Resolve({}, {{"HOME", home.dir()}}, &imds);
  REQUIRE(r.ok());
  CHECK(r->credentials.access_key_id == "AKFILE");
  CHECK(imds.requests.empty());
}

TEST_CASE("AWS_EC2_METADATA_DISABLED=true (any case) sends no IMDS request") {
  FakeTransport imds;
  ScriptImds(imds);
  auto r = Resolve({}, {{"AWS_EC2_METADATA_DISABLED", "TRUE"}}, &imds);
  REQUIRE(r.status().code() == StatusCode::kPermissionDenied);
  CHECK_THAT(r.status().message(), Catch::Contains("AWS_EC2_METADATA_DISABLED"));
  CHECK(imds.requests.empty());
}

TEST_CASE("IMDS unreachable: one request, then the full 'no credentials' error") {
  TempHome home;
  // Another profile's secret must never leak into the message.
  home.Write(".aws/credentials",
             "[other]\naws_access_key_id=AKOTHER\naws_secret_access_key=TOPSECRET\n");
  FakeTransport imds;
  imds.Script(std::string("PUT ") + kImds + "/latest/api/token",
              Unavailable("connection timed out"));
  const auto start = std::chrono::steady_clock::now();
  auto r = Resolve({}, {{"HOME", home.dir()}}, &imds);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(1));
  REQUIRE(r.status().code() == StatusCode::kPermissionDenied);
  const std::string m = r.status().message();
  CHECK_THAT(m,
             Catch::StartsWith("no AWS credentials found: tried explicit options, "
                               "environment variables, shared credentials file " +
                               home.Credentials() + " (no profile [default]), config file " +
                               home.Config() + " (missing), EC2 instance metadata (unreachable"));
  CHECK_THAT(m, Catch::Contains("--no-sign-request"));
  CHECK_THAT(m, !Catch::Contains("TOPSECRET"));
  CHECK(imds.requests.size() == 1);
}

TEST_CASE("IMDS without a role, a failed Code or bad JSON falls through without leaking") {
  FakeTransport imds;
  imds.ScriptOk(std::string("PUT ") + kImds + "/latest/api/token", "T");
  auto r = Resolve({}, {}, &imds);  // role listing unscripted: 404
  REQUIRE(r.status().code() == StatusCode::kPermissionDenied);
  CHECK_THAT(r.status().message(), Catch::Contains("HTTP 404"));

  imds.ScriptOk(std::string("GET ") + kImds + "/latest/meta-data/iam/security-credentials/", "r");
  const std::string doc =
      std::string("GET ") + kImds + "/latest/meta-data/iam/security-credentials/r";
  imds.ScriptOk(doc, R"({"Code":"Failure","SecretAccessKey":"LEAKME"})");
  r = Resolve({}, {}, &imds);
  REQUIRE(r.status().code() == StatusCode::kPermissionDenied);
  CHECK_THAT(r.status().message(), Catch::Contains("Failure"));
  CHECK_THAT(r.status().message(), !Catch::Contains("LEAKME"));

  imds.ScriptOk(doc, "{not json LEAKME");
  r = Resolve({}, {}, &imds);
  REQUIRE(r.status().code() == StatusCode::kPermissionDenied);
  CHECK_THAT(r.status().message(), Catch::Contains("malformed"));
  CHECK_THAT(r.status().message(), !Catch::Contains("LEAKME"));
}

TEST_CASE("IniFile parses what the AWS CLI accepts") {
  auto ini = IniFile::Parse(
      "\xEF\xBB\xBF; lead comment\n[profile   dev] # trailing\nKey1 = a#b\nkey2: c\n"
      "s3 =\n  addressing_style = path\n  endpoint_url = http://x\nmulti = one\n  two\n",
      "f");
  REQUIRE(ini.ok());
  const IniFile::Section* s = ini->Find("profile dev");
  REQUIRE(s != nullptr);
  CHECK(s->at("key1") == "a#b");
  CHECK(s->at("key2") == "c");
  CHECK(s->at("s3.addressing_style") == "path");
  CHECK(s->at("s3.endpoint_url") == "http://x");
  CHECK(s->at("multi") == "one\ntwo");
  CHECK(ini->Find("dev") == nullptr);

  CHECK(IniFile::Parse("k = v\n", "f").status().message() ==
        "f line 1: \"key = value\" before "
        "any [section] header");
  CHECK_THAT(IniFile::Parse("[a]\n[b\n", "f").status().message(), Catch::StartsWith("f line 2"));
}

S3Settings Settings(const S3Options& options, Env env) {
  auto r = ResolveS3Settings(options, FakeEnv(std::move(env)));
  REQUIRE(r.ok());
  return *r;
}

TEST_CASE("region precedence") {
  TempHome home;
  home.Write(".aws/config",
             "[default]\nregion = eu-central-1\n[profile dev]\nregion = ap-south-1\n");
  S3Options options;
  Env env = {{"HOME", home.dir()}};
  CHECK(Settings(options, {}).region == "us-east-1");
  CHECK(Settings(options, env).region == "eu-central-1");
  env["AWS_PROFILE"] = "dev";
  CHECK(Settings(options, env).region == "ap-south-1");
  env["AWS_DEFAULT_REGION"] = "us-west-1";
  CHECK(Settings(options, env).region == "us-west-1");
  env["AWS_REGION"] = "us-west-2";
  CHECK(Settings(options, env).region == "us-west-2");
  options.region = "sa-east-1";
  CHECK(Settings(options, env).region == "sa-east-1");

  home.Write(".aws/config", "[default]\nregion\n");
  auto bad = ResolveS3Settings(options, FakeEnv(env));
  REQUIRE(bad.status().code() == StatusCode::kInvalidArgument);
  CHECK_THAT(bad.status().message(), Catch::Contains(home.Config() + " line 2"));
}

TEST_CASE("endpoint precedence") {
  TempHome home;
  home.Write(".aws/config",
             "[default]\nendpoint_url = http://global:1\nservices = local\n"
             "[services local]\ns3 =\n  endpoint_url = http://service:2\n");
  S3Options options;
  Env env = {{"HOME", home.dir()}};
  CHECK(Settings(options, {}).endpoint_url.empty());
  CHECK(Settings(options, env).endpoint_url == "http://service:2");
  env["AWS_ENDPOINT_URL"] = "http://envall:3/";
  CHECK(Settings(options, env).endpoint_url == "http://envall:3");
  env["AWS_ENDPOINT_URL_S3"] = "HTTPS://envs3:4";
  CHECK(Settings(options, env).endpoint_url == "https://envs3:4");
  env["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true";
  CHECK(Settings(options, env).endpoint_url.empty());
  options.endpoint_url = "http://opt:5";
  CHECK(Settings(options, env).endpoint_url == "http://opt:5");

  home.Write(".aws/config", "[default]\nendpoint_url = http://global:1\n");
  CHECK(Settings({}, {{"HOME", home.dir()}}).endpoint_url == "http://global:1");
}

TEST_CASE("path style for IPs, localhost and the force flag; virtual host for DNS names") {
  auto with = [](std::string url, bool force = false) {
    S3Options options;
    options.endpoint_url = std::move(url);
    options.force_path_style = force;
    return Settings(options, {}).path_style;
  };
  CHECK(with("http://127.0.0.1:9000"));
  CHECK(with("http://[::1]:9000"));
  CHECK(with("http://localhost:9000/"));
  CHECK(with("https://minio.example.com", /*force=*/true));
  CHECK_FALSE(with("https://minio.example.com"));
  CHECK_FALSE(with("http://bucket.localhost:9000"));
  CHECK_FALSE(with("http://127.0.0.1.nip.io"));
  CHECK_FALSE(Settings({}, {}).path_style);

  TempHome home;
  home.Write(".aws/config", "[default]\ns3 =\n  addressing_style = path\n");
  CHECK(Settings({}, {{"HOME", home.dir()}}).path_style);
}

TEST_CASE("bad endpoint URLs are InvalidArgument naming where they came from") {
  for (const char* url : {"ftp://host", "host:9000", "http://", "http://host/bucket",
                          "http://host:0", "http://host:99999", "http://host:", "http://u@host",
                          "http://[::1", "http://[zz]:1", "http://ho st", "http://host?x=1"}) {
    INFO(url);
    auto r = ResolveS3Settings({}, FakeEnv({{"AWS_ENDPOINT_URL", url}}));
    REQUIRE(r.status().code() == StatusCode::kInvalidArgument);
    CHECK_THAT(r.status().message(), Catch::Contains("AWS_ENDPOINT_URL"));
  }
}

TEST_CASE("ProcessEnv reads the real environment") {
  CHECK_FALSE(ProcessEnv()("OBJECTFS_SURELY_UNSET_VARIABLE_42").has_value());
  CHECK(ProcessEnv()("PATH").has_value());
}

}  // namespace
}  // namespace objectfs::internal
