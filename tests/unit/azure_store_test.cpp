#include "stores/azure/azure_store.hpp"

#include <catch2/catch.hpp>

#include "core/stats.hpp"
#include "http/counting_transport.hpp"
#include "stores/azure/azure_xml.hpp"
#include "unit/fake_transport.hpp"

using namespace objectfs;
using namespace objectfs::internal;
using objectfs::testing::FakeTransport;
using objectfs::testing::HeaderOf;

namespace {

struct Fixture {
  std::shared_ptr<FakeTransport> fake = std::make_shared<FakeTransport>();
  StatsCounters stats;
  std::unique_ptr<AzureStore> store;

  explicit Fixture(std::string container = "cont", bool sas = false) {
    AzureCredentials creds;
    creds.account = "devstoreaccount1";
    creds.blob_endpoint = "http://127.0.0.1:10000/devstoreaccount1";
    if (sas) {
      creds.sas_token = "sv=2021&sig=abc%3D";
      creds.source = "environment variable AZURE_STORAGE_SAS_TOKEN (SAS token)";
    } else {
      creds.account_key = "secret-key-bytes";
      creds.source = "environment variable AZURE_STORAGE_CONNECTION_STRING (account key)";
    }
    store = std::make_unique<AzureStore>(container, creds,
                                         std::make_shared<CountingTransport>(fake, &stats));
  }
};

std::string ErrorXml(const std::string& code, const std::string& message) {
  return "<?xml version=\"1.0\"?><Error><Code>" + code + "</Code><Message>" + message +
         "\nRequestId:1\nTime:2</Message></Error>";
}

}  // namespace

TEST_CASE("AzureStore: Get Blob Properties, path-style URL, SharedKey, x-ms-version", "[azure]") {
  Fixture f;
  f.fake->Push({Status::Ok(),
                200,
                {{"content-length", "11"},
                 {"etag", "\"0x8D\""},
                 {"last-modified", "Wed, 21 Oct 2015 07:28:00 GMT"}},
                ""});
  auto info = f.store->Stat("dir/a b+c/../x");
  REQUIRE(info.ok());
  CHECK(info->size == 11);
  CHECK(info->etag == "\"0x8D\"");
  const auto& request = f.fake->requests.at(0);
  CHECK(request.method == "HEAD");
  CHECK(request.url == "http://127.0.0.1:10000/devstoreaccount1/cont/dir/a%20b%2Bc/../x");
  CHECK(HeaderOf(request, "x-ms-version") == AzureStore::kApiVersion);
  CHECK(HeaderOf(request, "authorization").starts_with("SharedKey devstoreaccount1:"));
  CHECK(!HeaderOf(request, "x-ms-date").empty());
}

TEST_CASE("AzureStore: ranged Get Blob pinned with If-Match, Content-Range checked", "[azure]") {
  Fixture f;
  f.fake->Push({Status::Ok(), 206, {{"content-range", "bytes 2-5/10"}}, "cdef"});
  std::vector<std::byte> out(4);
  auto n = f.store->Read("k", {2, 4}, out, {"\"0x1\""});
  REQUIRE(n.ok());
  CHECK(*n == 4);
  CHECK(HeaderOf(f.fake->requests[0], "x-ms-range") == "bytes=2-5");
  CHECK(HeaderOf(f.fake->requests[0], "if-match") == "\"0x1\"");

  f.fake->Push({Status::Ok(), 206, {{"content-range", "bytes 3-5/10"}}, "def"});
  auto wrong = f.store->Read("k", {2, 4}, out, {});
  CHECK(wrong.status().code() == StatusCode::kDataLoss);

  f.fake->Push({Status::Ok(), 206, {{"content-range", "bytes 2-3/10"}}, "cd"});
  CHECK(f.store->Read("k", {2, 4}, out, {}).status().code() == StatusCode::kDataLoss);

  f.fake->Push({Status::Ok(),
                412,
                {{"x-ms-error-code", "ConditionNotMet"}},
                ErrorXml("ConditionNotMet",
                         "The condition specified using HTTP conditional "
                         "header(s) is not met.")});
  auto changed = f.store->Read("k", {0, 4}, out, {"\"0x1\""});
  CHECK(changed.status().code() == StatusCode::kObjectChanged);
  CHECK(changed.status().message().find("ConditionNotMet (HTTP 412)") != std::string::npos);
}

TEST_CASE("AzureStore: 416 at the end is an empty read, past it is out of range", "[azure]") {
  Fixture f;
  std::vector<std::byte> out(4);
  f.fake->Push({Status::Ok(), 416, {{"x-ms-error-code", "InvalidRange"}}, ""});
  f.fake->Push({Status::Ok(), 200, {{"content-length", "10"}}, ""});
  auto at_end = f.store->Read("k", {10, 4}, out, {});
  REQUIRE(at_end.ok());
  CHECK(*at_end == 0);
  f.fake->Push({Status::Ok(), 416, {{"x-ms-error-code", "InvalidRange"}}, ""});
  f.fake->Push({Status::Ok(), 200, {{"content-length", "10"}}, ""});
  auto past = f.store->Read("k", {11, 4}, out, {});
  CHECK(past.status().code() == StatusCode::kOutOfRange);
  CHECK(past.status().message().find("size 10") != std::string::npos);
}

TEST_CASE("AzureStore: errors name blob, container, code and credential source", "[azure]") {
  Fixture f;
  f.fake->Push({Status::Ok(), 404, {{"x-ms-error-code", "BlobNotFound"}}, ""});
  auto missing = f.store->Stat("nope");
  CHECK(missing.status().code() == StatusCode::kNotFound);
  CHECK(missing.status().message() ==
        "blob 'nope' in container 'cont' of account 'devstoreaccount1' not found: BlobNotFound "
        "(HTTP 404)");

  f.fake->Push({Status::Ok(),
                403,
                {{"x-ms-error-code", "AuthorizationFailure"}},
                ErrorXml("AuthorizationFailure", "Server failed to authenticate the request.")});
  std::vector<std::byte> out(1);
  auto denied = f.store->Read("x", {0, 1}, out, {});
  CHECK(denied.status().code() == StatusCode::kPermissionDenied);
  const std::string& message = denied.status().message();
  CHECK(message.find("AuthorizationFailure (HTTP 403): Server failed to authenticate") !=
        std::string::npos);
  CHECK(message.find("RequestId") == std::string::npos);
  CHECK(message.find("AZURE_STORAGE_CONNECTION_STRING (account key)") != std::string::npos);
  CHECK(message.find("secret-key-bytes") == std::string::npos);

  f.fake->Push({Status::Ok(),
                404,
                {{"x-ms-error-code", "ContainerNotFound"}},
                ErrorXml("ContainerNotFound", "The specified container does not exist.")});
  auto no_container = f.store->List({});
  CHECK(no_container.status().code() == StatusCode::kNotFound);
  CHECK(no_container.status().message().find("container 'cont'") != std::string::npos);
}

TEST_CASE("AzureStore: List Blobs query, markers and SAS", "[azure]") {
  Fixture f("cont", /*sas=*/true);
  f.fake->Push({Status::Ok(),
                200,
                {},
                "<?xml version=\"1.0\"?><EnumerationResults><Blobs>"
                "<Blob><Name>d/a b</Name><Properties><Last-Modified>Wed, 21 Oct 2015 07:28:00 "
                "GMT</Last-Modified><Etag>0x8D1</Etag><Content-Length>5</Content-Length>"
                "</Properties></Blob><BlobPrefix><Name>d/sub/</Name></BlobPrefix></Blobs>"
                "<NextMarker>2!xyz</NextMarker></EnumerationResults>"});
  ListRequest request;
  request.prefix = "d/";
  request.delimiter = "/";
  request.page_token = "1!abc";
  request.max_keys = 7;
  auto page = f.store->List(request);
  REQUIRE(page.ok());
  REQUIRE(page->objects.size() == 1);
  CHECK(page->objects[0].key == "d/a b");
  CHECK(page->objects[0].size == 5);
  CHECK(page->objects[0].etag == "\"0x8D1\"");
  CHECK(page->common_prefixes == std::vector<std::string>{"d/sub/"});
  CHECK(page->next_page_token == "2!xyz");
  const auto& sent = f.fake->requests[0];
  CHECK(sent.url ==
        "http://127.0.0.1:10000/devstoreaccount1/cont?restype=container&comp=list&maxresults=7"
        "&prefix=d%2F&delimiter=%2F&marker=1%21abc&sv=2021&sig=abc%3D");
  CHECK(HeaderOf(sent, "authorization").empty());
}

TEST_CASE("AzureStore: account-level store maps CONTAINER/BLOB keys", "[azure]") {
  Fixture f("");
  f.fake->Push({Status::Ok(), 200, {{"content-length", "1"}}, ""});
  REQUIRE(f.store->Stat("cont/dir/x").ok());
  CHECK(f.fake->requests[0].url == "http://127.0.0.1:10000/devstoreaccount1/cont/dir/x");
  f.fake->Push({Status::Ok(),
                200,
                {},
                "<EnumerationResults><Blobs><Blob><Name>dir/x</Name><Properties>"
                "<Content-Length>1</Content-Length></Properties></Blob></Blobs><NextMarker/>"
                "</EnumerationResults>"});
  auto page = f.store->List({"cont/dir/", "/", "", 1000});
  REQUIRE(page.ok());
  CHECK(page->objects.at(0).key == "cont/dir/x");
  CHECK(page->next_page_token.empty());
  CHECK(f.store->Stat("cont").status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("ParseListBlobs rejects what is not a listing", "[azure]") {
  CHECK(ParseListBlobs("<html/>").status().code() == StatusCode::kDataLoss);
}
