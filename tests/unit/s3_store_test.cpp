#include "stores/s3/s3_store.hpp"

#include <catch2/catch.hpp>

#include "core/stats.hpp"
#include "http/counting_transport.hpp"
#include "unit/fake_transport.hpp"

using namespace objectfs;
using namespace objectfs::internal;
using objectfs::testing::FakeTransport;
using objectfs::testing::HeaderOf;
using objectfs::testing::ScriptedResponse;

namespace {

constexpr const char* kSecret = "very-secret-value-123";

struct Fixture {
  std::shared_ptr<FakeTransport> fake = std::make_shared<FakeTransport>();
  StatsCounters stats;
  std::unique_ptr<S3Store> store;

  explicit Fixture(std::string endpoint = "http://127.0.0.1:9000", bool anonymous = false) {
    S3Settings settings;
    settings.region = "us-east-1";
    settings.endpoint_url = endpoint;
    settings.path_style = endpoint.find("127.0.0.1") != std::string::npos;
    auto provider = std::make_shared<AwsCredentialProvider>([anonymous] {
      ResolvedAwsCredentials creds;
      if (!anonymous) creds.credentials = {"AKIDTEST", kSecret, ""};
      creds.source =
          anonymous ? "anonymous (--no-sign-request)" : "environment variables (AWS_ACCESS_KEY_ID)";
      return Result<ResolvedAwsCredentials>(creds);
    });
    store = std::make_unique<S3Store>("bucket", settings, provider,
                                      std::make_shared<CountingTransport>(fake, &stats));
  }
};

std::string ErrorXml(const std::string& code, const std::string& message) {
  return "<Error><Code>" + code + "</Code><Message>" + message + "</Message></Error>";
}

}  // namespace

TEST_CASE("S3Store builds path-style URLs with encoded keys and signs them", "[s3]") {
  Fixture f;
  f.fake->Push({Status::Ok(),
                200,
                {{"content-length", "5"},
                 {"etag", "\"abc\""},
                 {"last-modified", "Wed, 21 Oct 2015 07:28:00 GMT"}},
                ""});
  auto info = f.store->Stat("dir/a b+c%d/ключ/../x");
  REQUIRE(info.ok());
  CHECK(info->size == 5);
  CHECK(info->etag == "\"abc\"");
  CHECK(std::chrono::system_clock::to_time_t(info->mtime) == 1445412480);
  REQUIRE(f.fake->requests.size() == 1);
  const auto& request = f.fake->requests[0];
  CHECK(request.method == "HEAD");
  CHECK(request.url ==
        "http://127.0.0.1:9000/bucket/dir/a%20b%2Bc%25d/%D0%BA%D0%BB%D1%8E%D1%87/../x");
  CHECK(HeaderOf(request, "host") == "127.0.0.1:9000");
  CHECK_THAT(HeaderOf(request, "authorization"),
             Catch::StartsWith("AWS4-HMAC-SHA256 Credential=AKIDTEST/"));
  CHECK(f.stats.head_requests == 1);
}

TEST_CASE("S3Store uses virtual-host style for DNS endpoints and no signature when anonymous",
          "[s3]") {
  Fixture f("https://s3.example.com", /*anonymous=*/true);
  f.fake->Push({Status::Ok(),
                200,
                {},
                "<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>"});
  ListRequest request;
  request.prefix = "a b/";
  request.delimiter = "/";
  REQUIRE(f.store->List(request).ok());
  const auto& sent = f.fake->requests[0];
  CHECK(sent.url ==
        "https://bucket.s3.example.com/?delimiter=%2F&list-type=2&max-keys=1000&prefix=a%20b%2F");
  CHECK(HeaderOf(sent, "authorization").empty());
}

TEST_CASE("S3Store ranged reads pin the ETag and check Content-Range", "[s3]") {
  Fixture f;
  std::vector<std::byte> buffer(10);
  f.fake->Push({Status::Ok(), 206, {{"content-range", "bytes 100-109/1000"}}, "0123456789"});
  auto n = f.store->Read("k", {100, 10}, buffer, {"\"etag1\""});
  REQUIRE(n.ok());
  CHECK(*n == 10);
  CHECK(static_cast<char>(buffer[9]) == '9');
  CHECK(HeaderOf(f.fake->requests[0], "range") == "bytes=100-109");
  CHECK(HeaderOf(f.fake->requests[0], "if-match") == "\"etag1\"");
  CHECK(f.stats.bytes_downloaded == 10);

  SECTION("a short body that is not the object's end is data loss") {
    f.fake->Push({Status::Ok(), 206, {{"content-range", "bytes 0-4/1000"}}, "01234"});
    auto short_read = f.store->Read("k", {0, 10}, buffer, {});
    CHECK(short_read.status().code() == StatusCode::kDataLoss);
  }
  SECTION("the object's end may be short") {
    f.fake->Push({Status::Ok(), 206, {{"content-range", "bytes 995-999/1000"}}, "01234"});
    auto tail = f.store->Read("k", {995, 10}, buffer, {});
    REQUIRE(tail.ok());
    CHECK(*tail == 5);
  }
  SECTION("a body that disagrees with Content-Range is data loss") {
    f.fake->Push({Status::Ok(), 206, {{"content-range", "bytes 0-9/1000"}}, "0123"});
    CHECK(f.store->Read("k", {0, 10}, buffer, {}).status().code() == StatusCode::kDataLoss);
  }
  SECTION("a server that ignores Range mid-object is data loss") {
    f.fake->Push({Status::Ok(), 200, {}, "0123456789"});
    CHECK(f.store->Read("k", {5, 10}, buffer, {}).status().code() == StatusCode::kDataLoss);
  }
  SECTION("reading exactly at the end returns 0, past the end is out of range") {
    f.fake->Push({Status::Ok(),
                  416,
                  {{"content-range", "bytes */1000"}},
                  ErrorXml("InvalidRange", "The requested range is not satisfiable")});
    auto at_end = f.store->Read("k", {1000, 10}, buffer, {});
    REQUIRE(at_end.ok());
    CHECK(*at_end == 0);
    f.fake->Push(
        {Status::Ok(), 416, {{"content-range", "bytes */1000"}}, ErrorXml("InvalidRange", "x")});
    auto past = f.store->Read("k", {2000, 10}, buffer, {});
    CHECK(past.status().code() == StatusCode::kOutOfRange);
    CHECK_THAT(past.status().message(), Catch::Contains("size 1000"));
  }
  SECTION("a failed If-Match is an object change") {
    f.fake->Push({Status::Ok(),
                  412,
                  {},
                  ErrorXml("PreconditionFailed",
                           "At least one of the pre-conditions you specified did not hold")});
    auto changed = f.store->Read("k", {0, 10}, buffer, {"\"old\""});
    CHECK(changed.status().code() == StatusCode::kObjectChanged);
  }
}

TEST_CASE("S3Store maps S3 error documents to clear statuses", "[s3]") {
  Fixture f;
  std::vector<std::byte> buffer(4);
  f.fake->Push(
      {Status::Ok(), 404, {}, ErrorXml("NoSuchBucket", "The specified bucket does not exist")});
  auto no_bucket = f.store->Read("k", {0, 4}, buffer, {});
  CHECK(no_bucket.status().code() == StatusCode::kNotFound);
  CHECK_THAT(no_bucket.status().message(), Catch::Contains("bucket 'bucket' does not exist"));

  f.fake->Push(
      {Status::Ok(),
       403,
       {},
       ErrorXml("SignatureDoesNotMatch", "The request signature we calculated does not match")});
  auto denied = f.store->Read("k", {0, 4}, buffer, {});
  CHECK(denied.status().code() == StatusCode::kPermissionDenied);
  CHECK_THAT(denied.status().message(), Catch::Contains("SignatureDoesNotMatch"));
  CHECK_THAT(denied.status().message(),
             Catch::Contains("environment variables (AWS_ACCESS_KEY_ID)"));
  CHECK_THAT(denied.status().message(), !Catch::Contains(kSecret));
}

TEST_CASE("S3Store explains a failed HEAD with a follow-up GET", "[s3]") {
  Fixture f;
  f.fake->Push({Status::Ok(), 404, {}, ""});
  f.fake->Push({Status::Ok(), 404, {}, ErrorXml("NoSuchKey", "The specified key does not exist.")});
  auto info = f.store->Stat("missing");
  CHECK(info.status().code() == StatusCode::kNotFound);
  CHECK_THAT(info.status().message(),
             Catch::Contains("key 'missing' in bucket 'bucket' not found"));
  CHECK_THAT(info.status().message(), Catch::Contains("NoSuchKey"));
  REQUIRE(f.fake->requests.size() == 2);
  CHECK(f.fake->requests[1].method == "GET");
}

TEST_CASE("S3Store follows the listing's continuation token", "[s3]") {
  Fixture f;
  f.fake->Push(
      {Status::Ok(),
       200,
       {},
       "<ListBucketResult><IsTruncated>true</IsTruncated><NextContinuationToken>tok+/=</"
       "NextContinuationToken><Contents><Key>a</Key><Size>1</Size></Contents></ListBucketResult>"});
  ListRequest request;
  auto first = f.store->List(request);
  REQUIRE(first.ok());
  CHECK(first->next_page_token == "tok+/=");
  f.fake->Push({Status::Ok(),
                200,
                {},
                "<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>"});
  request.page_token = first->next_page_token;
  REQUIRE(f.store->List(request).ok());
  CHECK_THAT(f.fake->requests[1].url, Catch::Contains("continuation-token=tok%2B%2F%3D"));
  CHECK(f.stats.list_requests == 2);
}

TEST_CASE("S3Store's cache namespace names the server, not only the bucket", "[s3]") {
  Fixture a("http://127.0.0.1:9000");
  Fixture b("http://127.0.0.1:9001");
  CHECK(a.store->Describe() == b.store->Describe());
  CHECK(a.store->CacheNamespace() != b.store->CacheNamespace());
  CHECK(a.store->CacheNamespace().find("127.0.0.1:9000") != std::string::npos);
}
