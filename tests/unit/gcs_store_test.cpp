// GcsStore over an in-process fake transport: URLs, generation pinning,
// response checks (Content-Range, CRC-32C) and error mapping.
#include "stores/gcs/gcs_store.hpp"

#include <catch2/catch.hpp>
#include <cstring>

#include "auth/jwt.hpp"
#include "core/stats.hpp"
#include "http/counting_transport.hpp"
#include "stores/gcs/crc32c.hpp"
#include "stores/gcs/gcs_json.hpp"
#include "unit/fake_transport.hpp"
#include "util/time_formats.hpp"

using namespace objectfs;
using namespace objectfs::internal;
using objectfs::testing::FakeTransport;
using objectfs::testing::HeaderOf;
using objectfs::testing::ScriptedResponse;

namespace {

constexpr char kObjectJson[] = R"({"kind":"storage#object","name":"dir/a b.txt","bucket":"bkt",
  "generation":"1700000000123456","metageneration":"1","size":"9",
  "updated":"2023-11-14T22:13:20.500Z","etag":"CMDA5Kqu/YIDEAE=","crc32c":"4waSgw==",
  "md5Hash":"JfnnlDI7RTiF9RgfG2JNCw=="})";

struct Fixture {
  std::shared_ptr<FakeTransport> fake = std::make_shared<FakeTransport>();
  StatsCounters stats;
  std::unique_ptr<GcsStore> store;

  explicit Fixture(GcsSettings settings = {}) {
    auto tokens = std::make_shared<GcsTokenProvider>([] {
      GcsCredentialSource source;
      source.description = "service account sa@p from file /k.json";
      source.fetch = [](std::chrono::system_clock::time_point now) -> Result<GcsAccessToken> {
        return GcsAccessToken{"ya29.secret-token", now + std::chrono::hours(1)};
      };
      return Result<GcsCredentialSource>(source);
    });
    store = std::make_unique<GcsStore>("bkt", settings, tokens,
                                       std::make_shared<CountingTransport>(fake, &stats));
  }
};

std::string Crc32cHeader(std::string_view bytes) {
  const uint32_t crc = Crc32c(std::as_bytes(std::span(bytes.data(), bytes.size())));
  const char be[4] = {char(crc >> 24), char(crc >> 16), char(crc >> 8), char(crc)};
  return "crc32c=" + Base64Encode(std::string_view(be, 4)) + ",md5=JfnnlDI7RTiF9RgfG2JNCw==";
}

std::string AsString(std::span<const std::byte> bytes, size_t n) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), n);
}

}  // namespace

TEST_CASE("CRC-32C matches the RFC 3720 check values", "[gcs]") {
  const std::string digits = "123456789";
  CHECK(Crc32c(std::as_bytes(std::span(digits.data(), digits.size()))) == 0xE3069283u);
  std::vector<std::byte> zeros(32), ones(32, std::byte{0xff});
  CHECK(Crc32c(zeros) == 0x8A9136AAu);
  CHECK(Crc32c(ones) == 0x62A8AB43u);
  // Continuing a CRC over a split buffer gives the same value, at any alignment.
  std::vector<std::byte> data(1000);
  for (size_t i = 0; i < data.size(); ++i) data[i] = std::byte(i * 7 + 3);
  const uint32_t whole = Crc32c(data);
  CHECK(Crc32c(std::span(data).subspan(13), Crc32c(std::span(data).first(13))) == whole);
}

TEST_CASE("GcsStore Stat reads the object resource with an encoded name and a bearer token",
          "[gcs]") {
  Fixture f;
  f.fake->Push({Status::Ok(), 200, {}, kObjectJson});
  auto info = f.store->Stat("dir/a b.txt");
  REQUIRE(info.ok());
  CHECK(info->key == "dir/a b.txt");
  CHECK(info->size == 9);
  CHECK(info->etag == "CMDA5Kqu/YIDEAE=");
  CHECK(info->version == "1700000000123456");
  CHECK(std::chrono::system_clock::to_time_t(info->mtime) == 1700000000);
  const auto& request = f.fake->requests.at(0);
  CHECK(request.method == "GET");
  CHECK(request.url == "https://storage.googleapis.com/storage/v1/b/bkt/o/dir%2Fa%20b.txt");
  CHECK(HeaderOf(request, "authorization") == "Bearer ya29.secret-token");
  CHECK(f.stats.head_requests == 1);
}

TEST_CASE("GcsStore ranged reads are pinned to the generation seen at open", "[gcs]") {
  Fixture f;
  f.fake->Push(
      {Status::Ok(), 206, {{"content-range", "bytes 2-5/9"}, {"x-goog-generation", "77"}}, "3456"});
  std::vector<std::byte> out(4);
  auto n = f.store->Read("k+y", {2, 4}, out, {"etag", "77"});
  REQUIRE(n.ok());
  CHECK(*n == 4);
  CHECK(AsString(out, 4) == "3456");
  const auto& request = f.fake->requests.at(0);
  CHECK(request.url ==
        "https://storage.googleapis.com/storage/v1/b/bkt/o/k%2By"
        "?alt=media&generation=77&ifGenerationMatch=77");
  CHECK(HeaderOf(request, "range") == "bytes=2-5");
  CHECK(f.stats.get_requests == 1);
  CHECK(f.stats.bytes_downloaded == 4);

  SECTION("an answer of another generation is a changed object") {
    f.fake->Push({Status::Ok(),
                  206,
                  {{"content-range", "bytes 2-5/9"}, {"x-goog-generation", "78"}},
                  "3456"});
    auto changed = f.store->Read("k", {2, 4}, out, {"etag", "77"});
    CHECK(changed.status().code() == StatusCode::kObjectChanged);
    CHECK(changed.status().message().find("generation 78, pinned 77") != std::string::npos);
  }
  SECTION("412 and a vanished generation are changed objects") {
    f.fake->Push({Status::Ok(), 412, {}, R"({"error":{"code":412,"message":"Precondition"}})"});
    CHECK(f.store->Read("k", {0, 4}, out, {"", "77"}).status().code() ==
          StatusCode::kObjectChanged);
    f.fake->Push({Status::Ok(), 404, {}, "No such object: bkt/k"});
    CHECK(f.store->Read("k", {0, 4}, out, {"", "77"}).status().code() ==
          StatusCode::kObjectChanged);
  }
  SECTION("a body that does not match Content-Range is data loss") {
    f.fake->Push({Status::Ok(), 206, {{"content-range", "bytes 2-5/9"}}, "345"});
    CHECK(f.store->Read("k", {2, 4}, out, {}).status().code() == StatusCode::kDataLoss);
    f.fake->Push({Status::Ok(), 206, {{"content-range", "bytes 3-6/9"}}, "4567"});
    CHECK(f.store->Read("k", {2, 4}, out, {}).status().code() == StatusCode::kDataLoss);
    f.fake->Push({Status::Ok(), 206, {}, "3456"});
    CHECK(f.store->Read("k", {2, 4}, out, {}).status().code() == StatusCode::kDataLoss);
  }
  SECTION("a short answer is fine only at the object's end") {
    f.fake->Push({Status::Ok(), 206, {{"content-range", "bytes 6-8/9"}}, "789"});
    CHECK(f.store->Read("k", {6, 4}, out, {}).value() == 3);
    f.fake->Push({Status::Ok(), 206, {{"content-range", "bytes 2-4/9"}}, "345"});
    CHECK(f.store->Read("k", {2, 4}, out, {}).status().code() == StatusCode::kDataLoss);
  }
}

TEST_CASE("GcsStore checks whole-object reads against the CRC-32C", "[gcs]") {
  Fixture f;
  std::vector<std::byte> out(16);
  f.fake->Push({Status::Ok(),
                206,
                {{"content-range", "bytes 0-8/9"}, {"x-goog-hash", Crc32cHeader("123456789")}},
                "123456789"});
  CHECK(f.store->Read("k", {0, 16}, out, {}).value() == 9);

  // Real GCS sends one x-goog-hash header per algorithm.
  f.fake->Push({Status::Ok(),
                200,
                {{"x-goog-hash", "md5=JfnnlDI7RTiF9RgfG2JNCw=="},
                 {"x-goog-hash", Crc32cHeader("123456789").substr(0, 15)}},
                "123456780"});
  auto bad = f.store->Read("k", {0, 16}, out, {});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == StatusCode::kDataLoss);
  CHECK(bad.status().message().find("CRC-32C mismatch") != std::string::npos);

  // A partial range cannot be checked and is not.
  f.fake->Push({Status::Ok(),
                206,
                {{"content-range", "bytes 0-3/9"}, {"x-goog-hash", Crc32cHeader("x")}},
                "1234"});
  CHECK(f.store->Read("k", {0, 4}, out, {}).value() == 4);
}

TEST_CASE("GcsStore reads at or past the end", "[gcs]") {
  Fixture f;
  std::vector<std::byte> out(4);
  f.fake->Push({Status::Ok(), 416, {{"content-range", "bytes */9"}}, ""});
  CHECK(f.store->Read("k", {9, 4}, out, {}).value() == 0);
  f.fake->Push({Status::Ok(), 416, {{"content-range", "bytes */9"}}, ""});
  CHECK(f.store->Read("k", {10, 4}, out, {}).status().code() == StatusCode::kOutOfRange);
  // The firebase emulator answers an unsatisfiable range with 200 and the whole object.
  f.fake->Push({Status::Ok(), 200, {}, "abc"});
  CHECK(f.store->Read("k", {3, 4}, out, {}).value() == 0);
  f.fake->Push({Status::Ok(), 200, {}, "abc"});
  CHECK(f.store->Read("k", {5, 4}, out, {}).status().code() == StatusCode::kOutOfRange);
  f.fake->Push({Status::Ok(), 200, {}, "abc"});
  CHECK(f.store->Read("k", {1, 2}, out, {}).status().code() == StatusCode::kDataLoss);
}

TEST_CASE("GcsStore errors name the bucket, key, status, message and credentials", "[gcs]") {
  Fixture f;
  f.fake->Push({Status::Ok(),
                404,
                {},
                R"({"error":{"code":404,"message":"No such object: bkt/missing",)"
                R"("errors":[{"reason":"notFound"}]}})"});
  auto missing = f.store->Stat("missing");
  CHECK(missing.status().code() == StatusCode::kNotFound);
  CHECK(missing.status().message() ==
        "key 'missing' in bucket 'bkt' not found: HTTP 404: No such object: bkt/missing");

  f.fake->Push({Status::Ok(),
                403,
                {},
                R"({"error":{"code":403,"message":"sa@p does not have storage.objects.get"}})"});
  auto denied = f.store->Stat("k");
  CHECK(denied.status().code() == StatusCode::kPermissionDenied);
  CHECK(denied.status().message().find("storage.objects.get") != std::string::npos);
  CHECK(denied.status().message().find("(credentials: service account sa@p from file /k.json)") !=
        std::string::npos);
  CHECK(denied.status().message().find("ya29") == std::string::npos);

  f.fake->Push({Status::Ok(), 404, {}, R"({"error":{"code":404,"message":"bucket gone"}})"});
  auto no_bucket = f.store->List({});
  CHECK(no_bucket.status().code() == StatusCode::kNotFound);
  CHECK(no_bucket.status().message() == "bucket 'bkt' does not exist: HTTP 404: bucket gone");

  f.fake->Push({Status::Ok(), 503, {}, ""});
  CHECK(f.store->Stat("k").status().code() == StatusCode::kUnavailable);
  f.fake->Push({Status::Ok(), 200, {}, R"({"name":"k","size":"x","generation":"1"})"});
  CHECK(f.store->Stat("k").status().code() == StatusCode::kDataLoss);
  CHECK(f.store->Stat("").status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("GcsStore lists with prefix, delimiter, page token and page size", "[gcs]") {
  Fixture f;
  f.fake->Push({Status::Ok(),
                200,
                {},
                R"({"kind":"storage#objects","nextPageToken":"tok/en",
                    "prefixes":["d/sub/"],
                    "items":[{"name":"d/a","size":"3","generation":"5","etag":"e",
                              "updated":"2023-11-14T22:13:20Z"}]})"});
  ListRequest request;
  request.prefix = "d/";
  request.delimiter = "/";
  request.page_token = "d/0";
  request.max_keys = 2;
  auto page = f.store->List(request);
  REQUIRE(page.ok());
  REQUIRE(page->objects.size() == 1);
  CHECK(page->objects[0].key == "d/a");
  CHECK(page->objects[0].size == 3);
  CHECK(page->objects[0].version == "5");
  CHECK(page->common_prefixes == std::vector<std::string>{"d/sub/"});
  CHECK(page->next_page_token == "tok/en");
  CHECK(f.fake->requests.at(0).url ==
        "https://storage.googleapis.com/storage/v1/b/bkt/o"
        "?delimiter=%2F&maxResults=2&pageToken=d%2F0&prefix=d%2F");
  CHECK(f.stats.list_requests == 1);

  f.fake->Push({Status::Ok(), 200, {}, R"({"kind":"storage#objects"})"});
  auto empty = f.store->List({});
  REQUIRE(empty.ok());
  CHECK(empty->objects.empty());
  CHECK(empty->next_page_token.empty());
}

TEST_CASE("GCS settings: emulator host, endpoint, and no credentials for an emulator", "[gcs]") {
  auto env = [](std::string_view name) -> std::optional<std::string> {
    if (name == "STORAGE_EMULATOR_HOST") return "127.0.0.1:9199";
    return std::nullopt;
  };
  auto emulator = ResolveGcsSettings({}, env);
  REQUIRE(emulator.ok());
  CHECK(emulator->endpoint == "http://127.0.0.1:9199");
  CHECK(emulator->emulator);

  GcsOptions options;
  options.endpoint = "https://storage.example.test/";
  auto custom = ResolveGcsSettings(options, nullptr);
  REQUIRE(custom.ok());
  CHECK(custom->endpoint == "https://storage.example.test");
  CHECK_FALSE(custom->emulator);

  options.emulator_host = "ftp://x";
  auto bad = ResolveGcsSettings(options, nullptr);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("ftp://x") != std::string::npos);

  Fixture f(*emulator);
  f.fake->Push({Status::Ok(), 200, {}, kObjectJson});
  REQUIRE(f.store->Stat("dir/a b.txt").ok());
  CHECK(f.fake->requests.at(0).url == "http://127.0.0.1:9199/storage/v1/b/bkt/o/dir%2Fa%20b.txt");
  CHECK(HeaderOf(f.fake->requests.at(0), "authorization").empty());
}

TEST_CASE("RFC 3339 timestamps", "[gcs]") {
  CHECK(std::chrono::system_clock::to_time_t(ParseIso8601("2023-11-14T22:13:20.123Z")) ==
        1700000000);
  CHECK(ParseIso8601("garbage") == std::chrono::system_clock::time_point{});
}
