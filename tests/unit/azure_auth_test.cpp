// Azure SharedKey signing and credential resolution. The canonicalization
// vectors are the examples of Microsoft's "Authorize with Shared Key" page; the
// signature was computed independently with
// `openssl dgst -sha256 -mac HMAC -macopt hexkey:<decoded key> -binary | base64`.
#include <catch2/catch.hpp>
#include <map>

#include "auth/azure_credentials.hpp"
#include "auth/azure_shared_key.hpp"

using namespace objectfs;
using namespace objectfs::internal;

namespace {

constexpr const char* kDevKey =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

EnvLookup FakeEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

std::chrono::system_clock::time_point Oct11_2009() {
  using namespace std::chrono;
  return sys_days{year{2009} / October / 11} + hours{21} + minutes{49} + seconds{13};
}

}  // namespace

TEST_CASE("Azure canonicalized resource matches the documented examples", "[azure]") {
  CHECK(AzureCanonicalizedResource("myaccount", "/mycontainer",
                                   {{"restype", "container"}, {"comp", "metadata"}}) ==
        "/myaccount/mycontainer\ncomp:metadata\nrestype:container");
  CHECK(AzureCanonicalizedResource("myaccount", "/mycontainer",
                                   {{"restype", "container"},
                                    {"comp", "list"},
                                    {"include", "snapshots"},
                                    {"include", "metadata"},
                                    {"include", "uncommittedblobs"}}) ==
        "/myaccount/mycontainer\ncomp:list\ninclude:metadata,snapshots,uncommittedblobs\n"
        "restype:container");
  CHECK(AzureCanonicalizedResource("myaccount", "/mycontainer/a%20b", {}) ==
        "/myaccount/mycontainer/a%20b");
  CHECK(AzureCanonicalizedResource("myaccount", "", {}) == "/myaccount/");
}

TEST_CASE("Azure canonicalized headers: x-ms-* only, lower-cased, sorted, trimmed", "[azure]") {
  CHECK(AzureCanonicalizedHeaders({{"X-MS-Version", "2009-09-19"},
                                   {"Host", "example"},
                                   {"x-ms-date", "  Sun, 11 Oct 2009 21:49:13 GMT "}}) ==
        "x-ms-date:Sun, 11 Oct 2009 21:49:13 GMT\nx-ms-version:2009-09-19\n");
}

TEST_CASE("Azure string-to-sign and signature for the documented emulator request", "[azure]") {
  // GET http://127.0.0.1:10000/myaccount/mycontainer?restype=container&comp=metadata&timeout=20
  AzureSignRequest request{"GET",
                           "myaccount",
                           "/myaccount/mycontainer",
                           {{"restype", "container"}, {"comp", "metadata"}, {"timeout", "20"}},
                           {{"x-ms-version", "2009-09-19"}, {"Content-Length", "0"}}};
  request.headers.emplace_back("x-ms-date", HttpDate(Oct11_2009()));
  const std::string expected =
      "GET\n\n\n\n\n\n\n\n\n\n\n\n"
      "x-ms-date:Sun, 11 Oct 2009 21:49:13 GMT\nx-ms-version:2009-09-19\n"
      "/myaccount/myaccount/mycontainer\ncomp:metadata\nrestype:container\ntimeout:20";
  CHECK(AzureStringToSign(request) == expected);

  auto key = Base64Decode(kDevKey);
  REQUIRE(key.ok());
  CHECK(key->size() == 64);
  CHECK(AzureSignature(*key, expected) == "Su5rvibNeMxB7A4I87rOtEgCDtdICsL8v5H+yJs0W+M=");

  const Headers signed_headers = SignAzureSharedKey(request, *key, Oct11_2009());
  CHECK(signed_headers.back().first == "Authorization");
  CHECK(signed_headers.back().second ==
        "SharedKey myaccount:Su5rvibNeMxB7A4I87rOtEgCDtdICsL8v5H+yJs0W+M=");
  int dates = 0;
  for (const auto& [name, value] : signed_headers) dates += name == "x-ms-date";
  CHECK(dates == 1);
}

TEST_CASE("Azure string-to-sign carries the standard headers in order", "[azure]") {
  AzureSignRequest request{
      "GET",
      "acct",
      "/c/b",
      {},
      {{"If-Match", "\"0x1\""}, {"Range", "bytes=0-9"}, {"content-length", "5"}}};
  CHECK(AzureStringToSign(request) == "GET\n\n\n5\n\n\n\n\n\"0x1\"\n\n\nbytes=0-9\n/acct/c/b");
}

TEST_CASE("Base64 round trip and rejection", "[azure]") {
  CHECK(Base64Encode("hello") == "aGVsbG8=");
  CHECK(*Base64Decode("aGVsbG8=") == "hello");
  CHECK(*Base64Decode("aGk=") == "hi");
  CHECK(!Base64Decode("not base64!").ok());
  CHECK(!Base64Decode("abc").ok());
  CHECK(HttpDate(Oct11_2009()) == "Sun, 11 Oct 2009 21:49:13 GMT");
}

TEST_CASE("Connection strings: Azurite's BlobEndpoint, AccountKey and SAS", "[azure]") {
  const std::string conn =
      std::string("DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=") +
      kDevKey + ";BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1/;";
  auto creds = ResolveAzureCredentials({}, FakeEnv({{"AZURE_STORAGE_CONNECTION_STRING", conn}}));
  REQUIRE(creds.ok());
  CHECK(creds->account == "devstoreaccount1");
  CHECK(creds->blob_endpoint == "http://127.0.0.1:10000/devstoreaccount1");
  CHECK(creds->account_key.size() == 64);
  CHECK(creds->source == "environment variable AZURE_STORAGE_CONNECTION_STRING (account key)");
  CHECK(creds->source.find(kDevKey) == std::string::npos);

  auto sas =
      ResolveAzureCredentials({}, FakeEnv({{"AZURE_STORAGE_CONNECTION_STRING",
                                            "AccountName=acct;SharedAccessSignature=sv=2020&sig="
                                            "abc%3D;EndpointSuffix=core.chinacloudapi.cn"}}));
  REQUIRE(sas.ok());
  CHECK(sas->sas_token == "sv=2020&sig=abc%3D");
  CHECK(sas->blob_endpoint == "https://acct.blob.core.chinacloudapi.cn");

  auto dev = ResolveAzureCredentials(
      {}, FakeEnv({{"AZURE_STORAGE_CONNECTION_STRING", "UseDevelopmentStorage=true"}}));
  REQUIRE(dev.ok());
  CHECK(dev->blob_endpoint == "http://127.0.0.1:10000/devstoreaccount1");
  CHECK(!dev->anonymous());
}

TEST_CASE("Azure credential order: options, connection string, account + key/SAS", "[azure]") {
  AzureOptions options;
  options.account = "optacct";
  options.account_key = kDevKey;
  auto env = FakeEnv({{"AZURE_STORAGE_CONNECTION_STRING", "AccountName=envacct;AccountKey=aGk="},
                      {"AZURE_STORAGE_ACCOUNT", "other"}});
  auto explicit_creds = ResolveAzureCredentials(options, env);
  REQUIRE(explicit_creds.ok());
  CHECK(explicit_creds->account == "optacct");
  CHECK(explicit_creds->source == "explicit options (account key)");
  CHECK(explicit_creds->blob_endpoint == "https://optacct.blob.core.windows.net");

  auto from_conn = ResolveAzureCredentials({}, env);
  REQUIRE(from_conn.ok());
  CHECK(from_conn->account == "envacct");

  auto from_vars = ResolveAzureCredentials(
      {}, FakeEnv({{"AZURE_STORAGE_ACCOUNT", "acct"}, {"AZURE_STORAGE_SAS_TOKEN", "?sv=1&sig=x"}}));
  REQUIRE(from_vars.ok());
  CHECK(from_vars->sas_token == "sv=1&sig=x");
  CHECK(from_vars->source == "environment variable AZURE_STORAGE_SAS_TOKEN (SAS token)");

  auto anonymous = ResolveAzureCredentials({}, FakeEnv({{"AZURE_STORAGE_ACCOUNT", "acct"}}));
  REQUIRE(anonymous.ok());
  CHECK(anonymous->anonymous());

  AzureOptions anon_options;
  anon_options.anonymous = true;
  anon_options.endpoint_url = "http://127.0.0.1:1/acct/";
  auto forced = ResolveAzureCredentials(anon_options, env);
  REQUIRE(forced.ok());
  CHECK(forced->anonymous());
  CHECK(forced->blob_endpoint == "http://127.0.0.1:1/acct");
}

TEST_CASE("Azure credential errors name the source, never the secret", "[azure]") {
  auto none = ResolveAzureCredentials({}, FakeEnv({}));
  REQUIRE(!none.ok());
  CHECK(none.status().code() == StatusCode::kNotFound);
  CHECK(none.status().message().find("AZURE_STORAGE_CONNECTION_STRING") != std::string::npos);

  auto bad_key = ResolveAzureCredentials(
      {}, FakeEnv({{"AZURE_STORAGE_ACCOUNT", "a"}, {"AZURE_STORAGE_KEY", "sec!ret"}}));
  REQUIRE(!bad_key.ok());
  CHECK(bad_key.status().message().find("AZURE_STORAGE_KEY") != std::string::npos);
  CHECK(bad_key.status().message().find("sec!ret") == std::string::npos);

  auto malformed = ResolveAzureCredentials(
      {}, FakeEnv({{"AZURE_STORAGE_CONNECTION_STRING", "AccountName=a;s3cr3tvalue"}}));
  REQUIRE(!malformed.ok());
  CHECK(malformed.status().message().find("AZURE_STORAGE_CONNECTION_STRING") != std::string::npos);
  CHECK(malformed.status().message().find("s3cr3tvalue") == std::string::npos);
}

TEST_CASE("https://ACCOUNT.blob.core.windows.net hosts", "[azure]") {
  CHECK(AzureAccountFromHost("MyAcct.blob.core.windows.net") == "myacct");
  CHECK(AzureAccountFromHost("example.com").empty());
  CHECK(AzureAccountFromHost(".blob.core.windows.net").empty());

  AzureCredentials resolved;
  resolved.account = "myacct";
  resolved.account_key = "k";
  resolved.source = "environment variable AZURE_STORAGE_KEY (account key)";
  auto same = CredentialsForAccountHost(resolved, "myacct", "myacct.blob.core.windows.net");
  CHECK(same.account_key == "k");
  CHECK(same.blob_endpoint == "https://myacct.blob.core.windows.net");
  auto other = CredentialsForAccountHost(resolved, "public", "public.blob.core.windows.net");
  CHECK(other.anonymous());
  CHECK(other.source.find("'myacct'") != std::string::npos);
}
