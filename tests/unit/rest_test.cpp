#include "http/rest.hpp"

#include <catch2/catch.hpp>

#include "core/client_core.hpp"
#include "unit/fake_transport.hpp"

using namespace objectfs;
using namespace objectfs::internal;
using objectfs::testing::FakeTransport;

namespace {

HttpResponse WithHeaders(Headers headers) {
  HttpResponse response;
  response.status = 200;
  response.headers = std::move(headers);
  return response;
}

}  // namespace

TEST_CASE("length headers are parsed strictly, never read as size 0", "[rest]") {
  CHECK(*ParseLengthHeader(WithHeaders({{"content-length", "1234"}}), "content-length", "x") ==
        1234);
  CHECK(*ParseLengthHeader(WithHeaders({{"content-length", "0"}}), "content-length", "x") == 0);
  for (const char* bad : {"", "abc", "12abc", "-1", " 12", "99999999999999999999999"}) {
    auto parsed = ParseLengthHeader(WithHeaders({{"content-length", bad}}), "content-length",
                                    "HeadObject 'k'");
    INFO(bad);
    REQUIRE(!parsed.ok());
    CHECK(parsed.status().code() == StatusCode::kDataLoss);
    CHECK(parsed.status().message().find("content-length") != std::string::npos);
    CHECK(parsed.status().message().find("HeadObject 'k'") != std::string::npos);
  }
  CHECK(!ParseLengthHeader(WithHeaders({}), "content-length", "x").ok());
}

TEST_CASE("every store's Stat refuses a garbage Content-Length", "[rest]") {
  for (const char* uri : {"s3://bucket/k", "az://container/k", "http://127.0.0.1:8080/k"}) {
    DYNAMIC_SECTION(uri) {
      auto fake = std::make_shared<FakeTransport>();
      fake->fallback = [](const HttpRequest&) {
        return objectfs::testing::ScriptedResponse{
            Status::Ok(), 200, {{"content-length", "lots"}, {"etag", "\"e\""}}, ""};
      };
      ClientOptions options;
      options.s3.endpoint_url = "http://127.0.0.1:9000";
      options.s3.access_key_id = "AKID";
      options.s3.secret_access_key = "secret";
      options.azure.account = "devstoreaccount1";
      options.azure.account_key = "c2VjcmV0";
      options.azure.endpoint_url = "http://127.0.0.1:10000/devstoreaccount1";
      options.http.retry.max_attempts = 1;
      ClientCore core(
          options, [](std::string_view) { return std::optional<std::string>(); }, fake);
      auto store = core.StoreFor(*ParseUri(uri));
      REQUIRE(store.ok());
      auto info = (*store)->Stat("k");
      REQUIRE(!info.ok());
      CHECK(info.status().code() == StatusCode::kDataLoss);
      CHECK(info.status().message().find("malformed content-length header 'lots'") !=
            std::string::npos);
    }
  }
}

TEST_CASE("CheckPinned compares the ETag and the version header the store names", "[rest]") {
  const ReadConditions pin{"\"v1\"", "7"};
  CHECK(CheckPinned(WithHeaders({{"etag", "\"v1\""}}), pin, {}, "k").ok());
  CHECK(CheckPinned(WithHeaders({}), pin, {}, "k").ok());  // nothing to compare
  auto changed = CheckPinned(WithHeaders({{"etag", "\"v2\""}}), pin, {}, "key 'k'");
  CHECK(changed.code() == StatusCode::kObjectChanged);
  CHECK(changed.message().find("\"v2\"") != std::string::npos);
  CHECK(changed.message().find("key 'k'") != std::string::npos);
  const AnswerChecks gcs{.etag = false, .version = "x-goog-generation"};
  CHECK(CheckPinned(WithHeaders({{"etag", "\"other\""}, {"x-goog-generation", "7"}}), pin, gcs, "k")
            .ok());
  CHECK(CheckPinned(WithHeaders({{"x-goog-generation", "8"}}), pin, gcs, "k").code() ==
        StatusCode::kObjectChanged);
  CHECK(CheckPinned(WithHeaders({{"etag", "\"v2\""}}), ReadConditions{}, {}, "k").ok());
}
