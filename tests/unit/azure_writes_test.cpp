// AzureStore writes over a fake transport: request shapes (headers, query,
// Put Block List body), SharedKey over bodies, and error mapping.
#include <catch2/catch.hpp>

#include "auth/azure_shared_key.hpp"
#include "stores/azure/azure_store.hpp"
#include "unit/fake_transport.hpp"
#include "util/base64.hpp"
#include "util/md5.hpp"

using namespace objectfs;
using namespace objectfs::internal;
using objectfs::testing::FakeTransport;
using objectfs::testing::HeaderOf;
using objectfs::testing::ScriptedResponse;

namespace {

constexpr char kKey[] = "secret-key-bytes";

struct Fixture {
  std::shared_ptr<FakeTransport> fake = std::make_shared<FakeTransport>();
  std::unique_ptr<AzureStore> store;

  explicit Fixture(bool sas = false) {
    AzureCredentials creds;
    creds.account = "devstoreaccount1";
    creds.blob_endpoint = "http://127.0.0.1:10000/devstoreaccount1";
    if (sas) {
      creds.sas_token = "sv=2021&sig=abc%3D";
    } else {
      creds.account_key = kKey;
    }
    creds.source = "test";
    store = std::make_unique<AzureStore>("cont", creds, fake);
  }
};

std::span<const std::byte> Bytes(const std::string& s) { return std::as_bytes(std::span(s)); }

std::string ErrorXml(const std::string& code) {
  return "<?xml version=\"1.0\"?><Error><Code>" + code + "</Code><Message>m</Message></Error>";
}

// The block id a Put Block sent, decoded: the query is percent-encoded, and
// the signature covers the decoded value.
std::string BlockIdOf(const HttpRequest& put) {
  std::string id = put.url.substr(put.url.find("blockid=") + 8);
  for (size_t at; (at = id.find("%3D")) != std::string::npos;) id.replace(at, 3, "=");
  for (size_t at; (at = id.find("%2B")) != std::string::npos;) id.replace(at, 3, "+");
  for (size_t at; (at = id.find("%2F")) != std::string::npos;) id.replace(at, 3, "/");
  return id;
}

// Recomputes the SharedKey signature of a sent request from what it carries:
// the server's check, so Content-Length and Content-Type must be as sent.
void CheckSigned(const HttpRequest& request, const std::string& path, QueryParams query) {
  Headers headers;
  std::string authorization;
  for (const auto& [name, value] : request.headers) {
    if (name == "Authorization") {
      authorization = value;
    } else {
      headers.emplace_back(name, value);
    }
  }
  const size_t length = !request.payload.empty() ? request.payload.size() : request.body.size();
  CHECK(HeaderOf(request, "content-length") == std::to_string(length));
  CHECK(!HeaderOf(request, "content-type").empty());
  AzureSignRequest to_sign{request.method, "devstoreaccount1", path, std::move(query), headers};
  CHECK(authorization ==
        "SharedKey devstoreaccount1:" + AzureSignature(kKey, AzureStringToSign(to_sign)));
}

}  // namespace

TEST_CASE("AzureStore Put: Put Blob with BlockBlob, Content-MD5, If-None-Match, signed body",
          "[azure][writes]") {
  Fixture f;
  const std::string data = "hello azure";
  f.fake->Push({Status::Ok(),
                201,
                {{"etag", "\"0x8DA\""}, {"last-modified", "Wed, 21 Oct 2015 07:28:00 GMT"}},
                ""});
  auto info = f.store->Put("dir/a b", Bytes(data), {.if_none_match = true, .content_type = "x/y"});
  REQUIRE(info.ok());
  CHECK(info->size == data.size());
  CHECK(info->etag == "\"0x8DA\"");
  const HttpRequest& put = f.fake->requests.at(0);
  CHECK(put.method == "PUT");
  CHECK(put.kind == RequestKind::kPut);
  CHECK(put.url == "http://127.0.0.1:10000/devstoreaccount1/cont/dir/a%20b");
  CHECK(HeaderOf(put, "x-ms-blob-type") == "BlockBlob");
  CHECK(HeaderOf(put, "content-type") == "x/y");
  CHECK(HeaderOf(put, "content-md5") == ContentMd5(Bytes(data)));
  CHECK(HeaderOf(put, "if-none-match") == "*");
  CHECK(put.payload.size() == data.size());
  CheckSigned(put, "/devstoreaccount1/cont/dir/a%20b", {});
}

TEST_CASE("AzureStore Put: an existing blob is kAlreadyExists (409 and 412)", "[azure][writes]") {
  for (const auto& [status, code] :
       {std::pair{409L, "BlobAlreadyExists"}, std::pair{412L, "ConditionNotMet"}}) {
    Fixture f;
    f.fake->Push({Status::Ok(), status, {{"x-ms-error-code", code}}, ErrorXml(code)});
    auto info = f.store->Put("k", Bytes("x"), {.if_none_match = true});
    REQUIRE(!info.ok());
    CHECK(info.status().code() == StatusCode::kAlreadyExists);
    CHECK(info.status().message().find("'k'") != std::string::npos);
  }
  // Without the condition, a 409 is the server's error, not "exists".
  Fixture f;
  f.fake->Push({Status::Ok(), 409, {}, ErrorXml("LeaseIdMissing")});
  auto info = f.store->Put("k", Bytes("x"), {});
  REQUIRE(!info.ok());
  CHECK(info.status().code() != StatusCode::kAlreadyExists);
}

TEST_CASE("AzureStore upload: Put Block ids of one length, Put Block List in part order",
          "[azure][writes]") {
  Fixture f;
  f.fake->fallback = [](const HttpRequest&) { return ScriptedResponse{Status::Ok(), 201, {}, ""}; };
  auto upload = f.store->StartUpload("big", {.if_none_match = true});
  REQUIRE(upload.ok());
  CHECK(f.fake->requests.empty());  // staging blocks needs no request first
  const std::string a(1000, 'a'), b(10, 'b'), c(7, 'c');
  // Parts may arrive in any order.
  REQUIRE((*upload)->UploadPart(3, 1010, Bytes(c)).ok());
  REQUIRE((*upload)->UploadPart(1, 0, Bytes(a)).ok());
  REQUIRE((*upload)->UploadPart(2, 1000, Bytes(b)).ok());
  std::vector<std::string> ids;
  for (const HttpRequest& put : f.fake->requests) {
    CHECK(put.method == "PUT");
    const std::string prefix =
        "http://127.0.0.1:10000/devstoreaccount1/cont/big?comp=block&blockid=";
    REQUIRE(put.url.starts_with(prefix));
    CHECK(HeaderOf(put, "content-md5") == ContentMd5(put.payload));
    CHECK(HeaderOf(put, "if-none-match").empty());
    const std::string id = BlockIdOf(put);
    CheckSigned(put, "/devstoreaccount1/cont/big", {{"comp", "block"}, {"blockid", id}});
    ids.push_back(id);
  }
  REQUIRE(ids.size() == 3);
  CHECK(ids[0].size() == ids[1].size());
  CHECK(ids[1].size() == ids[2].size());
  CHECK(ids[0] != ids[1]);
  auto decoded = Base64Decode(ids[1]);
  REQUIRE(decoded.ok());
  CHECK(decoded->ends_with("-00000001"));

  f.fake->fallback = nullptr;
  f.fake->Push({Status::Ok(), 201, {{"etag", "\"0x8DB\""}}, ""});
  auto info = (*upload)->Commit(3, 1017);
  REQUIRE(info.ok());
  CHECK(info->size == 1017);
  CHECK(info->etag == "\"0x8DB\"");
  const HttpRequest& commit = f.fake->requests.at(3);
  CHECK(commit.method == "PUT");
  CHECK(commit.url == "http://127.0.0.1:10000/devstoreaccount1/cont/big?comp=blocklist");
  CHECK(HeaderOf(commit, "if-none-match") == "*");
  CHECK(HeaderOf(commit, "content-type") == "application/xml");
  CHECK(HeaderOf(commit, "x-ms-blob-content-type") == "application/octet-stream");
  CHECK(HeaderOf(commit, "content-md5") == ContentMd5(Bytes(commit.body)));
  CHECK(commit.body == "<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList><Latest>" + ids[1] +
                           "</Latest><Latest>" + ids[2] + "</Latest><Latest>" + ids[0] +
                           "</Latest></BlockList>");
  CheckSigned(commit, "/devstoreaccount1/cont/big", {{"comp", "blocklist"}});

  // Another upload of the same blob stages other block ids.
  auto second = f.store->StartUpload("big", {});
  REQUIRE(second.ok());
  CHECK((*second)->id() != (*upload)->id());
  CHECK((*upload)->Abort().ok());  // nothing to send: uncommitted blocks expire
  CHECK(f.fake->requests.size() == 4);
}

TEST_CASE(
    "AzureStore upload: a commit that finds the blob is kAlreadyExists; a missing part "
    "is an error",
    "[azure][writes]") {
  Fixture f;
  f.fake->Push({Status::Ok(), 201, {}, ""});
  auto upload = f.store->StartUpload("k", {.if_none_match = true});
  REQUIRE(upload.ok());
  REQUIRE((*upload)->UploadPart(1, 0, Bytes("abc")).ok());
  CHECK((*upload)->Commit(2, 6).status().code() == StatusCode::kInternal);
  f.fake->Push({Status::Ok(), 409, {{"x-ms-error-code", "BlobAlreadyExists"}}, ""});
  CHECK((*upload)->Commit(1, 3).status().code() == StatusCode::kAlreadyExists);
}

namespace {

// A two-part upload with no overwrite whose Put Block List is answered
// `commit` and whose blob then holds the committed blocks `committed` (given
// this upload's block ids).
Result<ObjectInfo> CommitMeeting(
    ScriptedResponse commit,
    const std::function<std::vector<std::string>(std::vector<std::string>)>& committed) {
  Fixture f;
  f.fake->fallback = [](const HttpRequest&) { return ScriptedResponse{Status::Ok(), 201, {}, ""}; };
  auto upload = f.store->StartUpload("k", {.if_none_match = true});
  REQUIRE(upload.ok());
  REQUIRE((*upload)->UploadPart(1, 0, Bytes("abc")).ok());
  REQUIRE((*upload)->UploadPart(2, 3, Bytes("de")).ok());
  std::vector<std::string> ids;
  for (const HttpRequest& put : f.fake->requests) ids.push_back(BlockIdOf(put));
  f.fake->fallback = nullptr;
  f.fake->Push(std::move(commit));
  std::string xml = "<?xml version=\"1.0\"?><BlockList><CommittedBlocks>";
  for (const std::string& id : committed(ids)) {
    xml += "<Block><Name>" + id + "</Name><Size>3</Size></Block>";
  }
  f.fake->Push({Status::Ok(), 200, {}, xml + "</CommittedBlocks></BlockList>"});
  f.fake->Push({Status::Ok(), 200, {{"etag", "\"0x8DC\""}, {"content-length", "5"}}, ""});
  auto info = (*upload)->Commit(2, 5);
  const HttpRequest& look = f.fake->requests.at(3);
  CHECK(look.method == "GET");
  CHECK(look.url.find("comp=blocklist&blocklisttype=committed") != std::string::npos);
  return info;
}

}  // namespace

TEST_CASE(
    "AzureStore upload: a Put Block List that meets its own blob after a lost answer "
    "succeeds",
    "[azure][writes]") {
  const ScriptedResponse exists = {
      Status::Ok(), 409, {{"x-ms-error-code", "BlobAlreadyExists"}}, ""};
  auto same = [](std::vector<std::string> ids) { return ids; };
  SECTION("the retry finds the blob") {
    auto info = CommitMeeting(exists, same);
    REQUIRE(info.ok());
    CHECK(info->etag == "\"0x8DC\"");
    CHECK(info->size == 5);
  }
  SECTION("no answer at all") {
    REQUIRE(CommitMeeting({Unavailable("connection reset"), 0, {}, ""}, same).ok());
  }
  SECTION("another upload's blocks: the refusal stands") {
    auto first_only = [](std::vector<std::string> ids) { return std::vector{ids.at(0)}; };
    CHECK(CommitMeeting(exists, first_only).status().code() == StatusCode::kAlreadyExists);
    auto other = [](std::vector<std::string>) {
      return std::vector<std::string>{"b3RoZXI=", "b3RoZXI="};
    };
    CHECK(CommitMeeting(exists, other).status().code() == StatusCode::kAlreadyExists);
    auto reset = CommitMeeting({Unavailable("connection reset"), 0, {}, ""}, other);
    CHECK(reset.status().code() == StatusCode::kUnavailable);
  }
}

TEST_CASE("AzureStore Delete: Delete Blob, 404 is kNotFound", "[azure][writes]") {
  Fixture f;
  f.fake->Push({Status::Ok(), 202, {}, ""});
  REQUIRE(f.store->Delete("a/b").ok());
  const HttpRequest& del = f.fake->requests.at(0);
  CHECK(del.method == "DELETE");
  CHECK(del.kind == RequestKind::kDelete);
  CheckSigned(del, "/devstoreaccount1/cont/a/b", {});
  f.fake->Push(
      {Status::Ok(), 404, {{"x-ms-error-code", "BlobNotFound"}}, ErrorXml("BlobNotFound")});
  CHECK(f.store->Delete("a/b").code() == StatusCode::kNotFound);
}

TEST_CASE("AzureStore Copy: Copy Blob pinned to the source ETag, pending copies polled",
          "[azure][writes]") {
  Fixture f;
  const ScriptedResponse head{
      Status::Ok(), 200, {{"content-length", "42"}, {"etag", "\"0xS\""}}, ""};
  f.fake->Push(head);
  f.fake->Push({Status::Ok(),
                202,
                {{"x-ms-copy-status", "pending"}, {"x-ms-copy-id", "c1"}, {"etag", "\"0x1\""}},
                ""});
  f.fake->Push({Status::Ok(),
                200,
                {{"content-length", "42"},
                 {"x-ms-copy-status", "pending"},
                 {"x-ms-copy-id", "c1"},
                 {"etag", "\"0x2\""}},
                ""});
  f.fake->Push({Status::Ok(),
                200,
                {{"content-length", "42"},
                 {"x-ms-copy-status", "success"},
                 {"x-ms-copy-id", "c1"},
                 {"etag", "\"0xD\""}},
                ""});
  auto copied = f.store->Copy("src key", {}, "dst", {.if_none_match = true});
  REQUIRE(copied.ok());
  CHECK(copied->key == "dst");
  CHECK(copied->size == 42);
  CHECK(copied->etag == "\"0xD\"");
  REQUIRE(f.fake->requests.size() == 4);
  const HttpRequest& copy = f.fake->requests.at(1);
  CHECK(copy.method == "PUT");
  CHECK(copy.url == "http://127.0.0.1:10000/devstoreaccount1/cont/dst");
  CHECK(HeaderOf(copy, "x-ms-copy-source") ==
        "http://127.0.0.1:10000/devstoreaccount1/cont/src%20key");
  CHECK(HeaderOf(copy, "x-ms-source-if-match") == "\"0xS\"");
  CHECK(HeaderOf(copy, "if-none-match") == "*");
  CheckSigned(copy, "/devstoreaccount1/cont/dst", {});
  CHECK(f.fake->requests.at(2).method == "HEAD");
}

TEST_CASE(
    "AzureStore Copy: a changed source is kObjectChanged, an existing destination "
    "kAlreadyExists, a failed copy an error",
    "[azure][writes]") {
  const ScriptedResponse head{
      Status::Ok(), 200, {{"content-length", "1"}, {"etag", "\"0xS\""}}, ""};
  {
    Fixture f;
    f.fake->Push(head);
    f.fake->Push({Status::Ok(), 412, {{"x-ms-error-code", "SourceConditionNotMet"}}, ""});
    auto copied = f.store->Copy("s", {.if_match = "\"0xOLD\""}, "d", {.if_none_match = true});
    CHECK(copied.status().code() == StatusCode::kObjectChanged);
    CHECK(HeaderOf(f.fake->requests.at(1), "x-ms-source-if-match") == "\"0xOLD\"");
  }
  {
    Fixture f;
    f.fake->Push(head);
    f.fake->Push({Status::Ok(), 409, {{"x-ms-error-code", "BlobAlreadyExists"}}, ""});
    CHECK(f.store->Copy("s", {}, "d", {.if_none_match = true}).status().code() ==
          StatusCode::kAlreadyExists);
  }
  {
    Fixture f;
    f.fake->Push(head);
    f.fake->Push({Status::Ok(), 202, {{"x-ms-copy-status", "pending"}}, ""});
    f.fake->Push({Status::Ok(),
                  200,
                  {{"x-ms-copy-status", "failed"}, {"x-ms-copy-status-description", "500 boom"}},
                  ""});
    auto copied = f.store->Copy("s", {}, "d", {});
    REQUIRE(!copied.ok());
    CHECK(copied.status().message().find("failed (500 boom)") != std::string::npos);
  }
}

TEST_CASE("AzureStore Copy with a SAS names the source with it", "[azure][writes]") {
  Fixture f(/*sas=*/true);
  f.fake->Push({Status::Ok(), 200, {{"content-length", "1"}, {"etag", "\"0xS\""}}, ""});
  f.fake->Push({Status::Ok(), 202, {{"x-ms-copy-status", "success"}}, ""});
  REQUIRE(f.store->Copy("s", {}, "d", {}).ok());
  CHECK(HeaderOf(f.fake->requests.at(1), "x-ms-copy-source") ==
        "http://127.0.0.1:10000/devstoreaccount1/cont/s?sv=2021&sig=abc%3D");
  CHECK(HeaderOf(f.fake->requests.at(1), "authorization").empty());
}

TEST_CASE("AzureStore capabilities: parallel blocks, 50000 of them", "[azure][writes]") {
  Fixture f;
  const StoreCapabilities caps = f.store->Capabilities();
  CHECK(caps.write);
  CHECK(caps.remove);
  CHECK(caps.conditional_create);
  CHECK(caps.server_side_copy);
  CHECK(caps.parallel_parts);
  CHECK(!caps.list_uploads);
  CHECK(caps.max_parts == 50000);
  CHECK(caps.min_part_size == 0);
}
