// The S3 write requests over a fake transport: what each sends and how each
// answer is read.
#include <catch2/catch.hpp>

#include "auth/sigv4.hpp"
#include "core/stats.hpp"
#include "http/counting_transport.hpp"
#include "stores/s3/s3_etag.hpp"
#include "stores/s3/s3_store.hpp"
#include "unit/fake_transport.hpp"

using namespace objectfs;
using namespace objectfs::internal;
using objectfs::testing::FakeTransport;
using objectfs::testing::HeaderOf;

namespace {

struct Fixture {
  std::shared_ptr<FakeTransport> fake = std::make_shared<FakeTransport>();
  StatsCounters stats;
  std::unique_ptr<S3Store> store;

  explicit Fixture(bool anonymous = false) {
    S3Settings settings;
    settings.region = "us-east-1";
    settings.endpoint_url = "http://127.0.0.1:9000";
    settings.path_style = true;
    auto provider = std::make_shared<AwsCredentialProvider>([anonymous] {
      ResolvedAwsCredentials creds;
      if (!anonymous) creds.credentials = {"AKIDTEST", "secret-value", ""};
      creds.source = anonymous ? "anonymous" : "environment variables (AWS_ACCESS_KEY_ID)";
      return Result<ResolvedAwsCredentials>(creds);
    });
    store = std::make_unique<S3Store>("bucket", settings, provider,
                                      std::make_shared<CountingTransport>(fake, &stats));
  }
};

// Spans of string literals: they outlive the requests the fake records.
std::span<const std::byte> Bytes(std::string_view s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

std::string Body(const HttpRequest& request) {
  if (!request.payload.empty()) {
    return std::string(reinterpret_cast<const char*>(request.payload.data()),
                       request.payload.size());
  }
  return request.body;
}

}  // namespace

TEST_CASE("S3 Put signs the body's SHA-256 and asks for no overwrite", "[s3][writes]") {
  Fixture f;
  f.fake->Push({Status::Ok(), 200, {{"etag", "\"e1\""}}, ""});
  auto info = f.store->Put("dir/k", Bytes("hello"), {.if_none_match = true});
  REQUIRE(info.ok());
  CHECK(info->etag == "\"e1\"");
  CHECK(info->size == 5);
  const HttpRequest& put = f.fake->requests.at(0);
  CHECK(put.method == "PUT");
  CHECK(put.url == "http://127.0.0.1:9000/bucket/dir/k");
  CHECK(Body(put) == "hello");
  CHECK(HeaderOf(put, "x-amz-content-sha256") == Sha256Hex("hello"));
  CHECK(HeaderOf(put, "if-none-match") == "*");
  CHECK(HeaderOf(put, "content-type") == "application/octet-stream");
  CHECK(HeaderOf(put, "authorization").find("x-amz-content-sha256") != std::string::npos);
  CHECK(f.stats.put_requests == 1);
}

TEST_CASE("S3 anonymous Put sends Content-MD5 instead of a signed hash", "[s3][writes]") {
  Fixture f(/*anonymous=*/true);
  f.fake->Push({Status::Ok(), 200, {{"etag", "\"e1\""}}, ""});
  REQUIRE(f.store->Put("k", Bytes("hello"), {}).ok());
  const HttpRequest& put = f.fake->requests.at(0);
  CHECK(HeaderOf(put, "x-amz-content-sha256") == "UNSIGNED-PAYLOAD");
  CHECK(HeaderOf(put, "content-md5") == "XUFAKrxLKna5cZ2REBfFkg==");  // md5("hello")
  CHECK(HeaderOf(put, "authorization").empty());
}

TEST_CASE("S3 Put answered 412 is already exists, naming the key", "[s3][writes]") {
  Fixture f;
  f.fake->Push({Status::Ok(), 412, {}, "<Error><Code>PreconditionFailed</Code></Error>"});
  auto info = f.store->Put("k", Bytes("x"), {.if_none_match = true});
  REQUIRE_FALSE(info.ok());
  CHECK(info.status().code() == StatusCode::kAlreadyExists);
  CHECK(info.status().message().find("'k'") != std::string::npos);
}

TEST_CASE("S3 multipart upload: create, parts in any order, complete in order", "[s3][writes]") {
  Fixture f;
  f.fake->fallback = [](const HttpRequest& r) -> objectfs::testing::ScriptedResponse {
    if (r.method == "POST" && r.url.find("?uploads") != std::string::npos) {
      return {Status::Ok(),
              200,
              {},
              "<InitiateMultipartUploadResult><UploadId>UP1</UploadId>"
              "</InitiateMultipartUploadResult>"};
    }
    if (r.method == "HEAD" || r.method == "GET") {  // the no-overwrite look before Complete
      return {Status::Ok(), 404, {}, "<Error><Code>NoSuchKey</Code></Error>"};
    }
    if (r.method == "PUT") {
      const std::string n = r.url.substr(r.url.find("partNumber=") + 11, 1);
      return {Status::Ok(), 200, {{"etag", "\"p" + n + "\""}}, ""};
    }
    return {Status::Ok(),
            200,
            {},
            "<CompleteMultipartUploadResult><ETag>\"all-2\"</ETag>"
            "</CompleteMultipartUploadResult>"};
  };
  auto upload = f.store->StartUpload("big", {.if_none_match = true});
  REQUIRE(upload.ok());
  CHECK((*upload)->id() == "UP1");
  REQUIRE((*upload)->UploadPart(2, 5, Bytes("world")).ok());
  REQUIRE((*upload)->UploadPart(1, 0, Bytes("hello")).ok());
  auto info = (*upload)->Commit(2, 10);
  REQUIRE(info.ok());
  CHECK(info->etag == "\"all-2\"");
  CHECK(info->size == 10);
  const auto& requests = f.fake->requests;
  CHECK(requests[1].url.find("partNumber=2&uploadId=UP1") != std::string::npos);
  CHECK(HeaderOf(requests[1], "x-amz-content-sha256") == Sha256Hex("world"));
  // if_none_match: a HEAD before Complete (servers may ignore the header there).
  CHECK(requests[3].method == "HEAD");
  const HttpRequest& complete = requests.back();
  CHECK(complete.method == "POST");
  CHECK(complete.url.find("uploadId=UP1") != std::string::npos);
  CHECK(complete.body ==
        "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"p1\"</ETag></Part>"
        "<Part><PartNumber>2</PartNumber><ETag>\"p2\"</ETag></Part></CompleteMultipartUpload>");
  CHECK(HeaderOf(complete, "if-none-match") == "*");
  CHECK(HeaderOf(complete, "x-amz-content-sha256") == Sha256Hex(complete.body));
}

TEST_CASE("S3 Complete answered 200 with an Error document fails", "[s3][writes]") {
  Fixture f;
  f.fake->Push({Status::Ok(),
                200,
                {},
                "<InitiateMultipartUploadResult><UploadId>U</UploadId>"
                "</InitiateMultipartUploadResult>"});
  f.fake->Push({Status::Ok(), 200, {{"etag", "\"p1\""}}, ""});
  f.fake->Push({Status::Ok(),
                200,
                {},
                "<Error><Code>InternalError</Code><Message>try again</Message></Error>"});
  auto upload = f.store->StartUpload("k", {});
  REQUIRE(upload.ok());
  REQUIRE((*upload)->UploadPart(1, 0, Bytes("x")).ok());
  auto info = (*upload)->Commit(1, 1);
  REQUIRE_FALSE(info.ok());
  CHECK(info.status().message().find("InternalError") != std::string::npos);
  // Committing a part that was never uploaded is refused before any request.
  auto missing = (*upload)->Commit(2, 2);
  CHECK_FALSE(missing.ok());
  CHECK(f.fake->requests.size() == 3);
}

TEST_CASE("S3 multipart ETag: the MD5 of the parts' MD5s and the part count", "[s3][writes]") {
  // md5("hello"), md5("world"); the whole computed by Python's hashlib.
  const std::vector<std::string> parts = {"\"5d41402abc4b2a76b9719d911017c592\"",
                                          "\"7D793037A0760186574B0282F2F435E7\""};
  CHECK(MultipartETag(parts) == "\"065947336a2f2a95ba8899f3675c3be6-2\"");
  CHECK(MultipartETag({"\"p1\""}).empty());  // not an MD5: nothing to compare
  CHECK(MultipartETag({"\"5d41402abc4b2a76b9719d911017c59z\""}).empty());
  CHECK(MultipartETag({}).empty());
  CHECK(SameETag("\"ABC-2\"", "abc-2"));
  CHECK_FALSE(SameETag("\"abc-2\"", "\"abd-2\""));
}

namespace {

// A two-part upload ("hello", "world") whose Complete is answered `complete`
// and whose key then holds an object of ETag `etag`.
Result<ObjectInfo> CommitMeeting(objectfs::testing::ScriptedResponse complete, std::string etag,
                                 bool if_none_match = false) {
  Fixture f;
  f.fake->Push({Status::Ok(),
                200,
                {},
                "<InitiateMultipartUploadResult><UploadId>U</UploadId>"
                "</InitiateMultipartUploadResult>"});
  f.fake->Push({Status::Ok(), 200, {{"etag", "\"5d41402abc4b2a76b9719d911017c592\""}}, ""});
  f.fake->Push({Status::Ok(), 200, {{"etag", "\"7d793037a0760186574b0282f2f435e7\""}}, ""});
  if (if_none_match) {  // the look before Complete: a HEAD, and a GET for the error's words
    f.fake->Push({Status::Ok(), 404, {}, ""});
    f.fake->Push({Status::Ok(), 404, {}, "<Error><Code>NoSuchKey</Code></Error>"});
  }
  f.fake->Push(std::move(complete));
  f.fake->Push({Status::Ok(), 200, {{"etag", etag}, {"content-length", "10"}}, ""});
  auto upload = f.store->StartUpload("k", {.if_none_match = if_none_match});
  REQUIRE(upload.ok());
  REQUIRE((*upload)->UploadPart(1, 0, Bytes("hello")).ok());
  REQUIRE((*upload)->UploadPart(2, 5, Bytes("world")).ok());
  auto info = (*upload)->Commit(2, 10);
  CHECK(f.fake->requests.back().method == "HEAD");
  return info;
}

}  // namespace

TEST_CASE("S3 Complete that meets its own object after a lost answer succeeds", "[s3][writes]") {
  const std::string ours = "\"065947336a2f2a95ba8899f3675c3be6-2\"";
  const objectfs::testing::ScriptedResponse gone = {
      Status::Ok(), 404, {}, "<Error><Code>NoSuchUpload</Code><Message>gone</Message></Error>"};
  SECTION("the retry finds the upload gone") {
    auto info = CommitMeeting(gone, ours);
    REQUIRE(info.ok());
    CHECK(info->etag == ours);
    CHECK(info->size == 10);
  }
  SECTION("no answer at all") {
    auto info = CommitMeeting({Unavailable("connection reset"), 0, {}, ""}, ours);
    REQUIRE(info.ok());
    CHECK(info->etag == ours);
  }
  SECTION("no overwrite: the retry finds the key taken, by this upload") {
    auto info = CommitMeeting({Status::Ok(), 412, {}, ""}, ours, /*if_none_match=*/true);
    REQUIRE(info.ok());
    CHECK(info->etag == ours);
  }
  SECTION("another object under the key: the failure stands") {
    const std::string theirs = "\"165947336a2f2a95ba8899f3675c3be6-2\"";
    auto info = CommitMeeting(gone, theirs);
    REQUIRE_FALSE(info.ok());
    CHECK(info.status().message().find("NoSuchUpload") != std::string::npos);
    auto reset = CommitMeeting({Unavailable("connection reset"), 0, {}, ""}, theirs);
    REQUIRE_FALSE(reset.ok());
    CHECK(reset.status().message().find("connection reset") != std::string::npos);
    auto taken = CommitMeeting({Status::Ok(), 412, {}, ""}, theirs, /*if_none_match=*/true);
    CHECK(taken.status().code() == StatusCode::kAlreadyExists);
  }
}

TEST_CASE("S3 ListMultipartUploads follows markers and stops on a repeated one", "[s3][writes]") {
  Fixture f;
  f.fake->Push({Status::Ok(),
                200,
                {},
                "<ListMultipartUploadsResult><IsTruncated>true</IsTruncated>"
                "<NextKeyMarker>a</NextKeyMarker><NextUploadIdMarker>1</NextUploadIdMarker>"
                "<Upload><Key>a</Key><UploadId>1</UploadId>"
                "<Initiated>2026-12-01T10:00:00.000Z</Initiated></Upload>"
                "</ListMultipartUploadsResult>"});
  f.fake->Push({Status::Ok(),
                200,
                {},
                "<ListMultipartUploadsResult><IsTruncated>false</IsTruncated>"
                "<Upload><Key>b</Key><UploadId>2</UploadId></Upload>"
                "</ListMultipartUploadsResult>"});
  auto uploads = f.store->ListUploads("p/");
  REQUIRE(uploads.ok());
  REQUIRE(uploads->size() == 2);
  CHECK((*uploads)[0].key == "a");
  CHECK(std::chrono::system_clock::to_time_t((*uploads)[0].started) == 1796119200);
  CHECK((*uploads)[1].upload_id == "2");
  CHECK(f.fake->requests[1].url.find("key-marker=a") != std::string::npos);

  const std::string looping =
      "<ListMultipartUploadsResult><IsTruncated>true</IsTruncated>"
      "<NextKeyMarker>a</NextKeyMarker><NextUploadIdMarker>1</NextUploadIdMarker>"
      "</ListMultipartUploadsResult>";
  f.fake->Push({Status::Ok(), 200, {}, looping});
  f.fake->Push({Status::Ok(), 200, {}, looping});
  auto endless = f.store->ListUploads("");
  REQUIRE_FALSE(endless.ok());
  CHECK(endless.status().message().find("repeated") != std::string::npos);
}

TEST_CASE("S3 Copy pins the source and Delete and Abort send DELETE", "[s3][writes]") {
  Fixture f;
  f.fake->Push({Status::Ok(), 200, {{"content-length", "3"}, {"etag", "\"src\""}}, ""});
  f.fake->Push(
      {Status::Ok(), 200, {}, "<CopyObjectResult><ETag>\"dst\"</ETag></CopyObjectResult>"});
  auto copied = f.store->Copy("a b", {.if_match = "\"src\""}, "c", {});
  REQUIRE(copied.ok());
  CHECK(copied->etag == "\"dst\"");
  CHECK(copied->size == 3);
  CHECK(HeaderOf(f.fake->requests[1], "x-amz-copy-source") == "/bucket/a%20b");
  CHECK(HeaderOf(f.fake->requests[1], "x-amz-copy-source-if-match") == "\"src\"");

  f.fake->Push({Status::Ok(), 204, {}, ""});
  REQUIRE(f.store->Delete("c").ok());
  f.fake->Push({Status::Ok(), 204, {}, ""});
  REQUIRE(f.store->AbortUpload("c", "U9").ok());
  CHECK(f.fake->requests[2].method == "DELETE");
  CHECK(f.fake->requests[3].url == "http://127.0.0.1:9000/bucket/c?uploadId=U9");
  CHECK(f.stats.delete_requests == 2);
}
