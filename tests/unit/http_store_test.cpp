#include "stores/http/http_store.hpp"

#include <catch2/catch.hpp>

#include "core/stats.hpp"
#include "http/counting_transport.hpp"
#include "unit/fake_transport.hpp"

using namespace objectfs;
using namespace objectfs::internal;
using objectfs::testing::FakeTransport;
using objectfs::testing::HeaderOf;

namespace {

struct Fixture {
  std::shared_ptr<FakeTransport> fake = std::make_shared<FakeTransport>();
  StatsCounters stats;
  HttpStore store{"http://example.com:8080", std::make_shared<CountingTransport>(fake, &stats)};
};

}  // namespace

TEST_CASE("URL encoding keeps escapes and queries, encodes what a URL cannot hold", "[http]") {
  CHECK(EncodeUrlPathAndQuery("a b/ü%20x?s=ab%2Fc") == "a%20b/%C3%BC%20x?s=ab%2Fc");
  CHECK(EncodeUrlPathAndQuery("x<\"{|}>") == "x%3C%22%7B%7C%7D%3E");
}

TEST_CASE("HttpStore: HEAD gives size and ETag; reads pin it with If-Match", "[http]") {
  Fixture f;
  f.fake->Push({Status::Ok(), 200, {{"content-length", "10"}, {"etag", "\"e1\""}}, ""});
  auto info = f.store.Stat("dir/a b.bin");
  REQUIRE(info.ok());
  CHECK(info->size == 10);
  CHECK(f.fake->requests[0].method == "HEAD");
  CHECK(f.fake->requests[0].url == "http://example.com:8080/dir/a%20b.bin");

  f.fake->Push({Status::Ok(), 206, {{"content-range", "bytes 8-9/10"}, {"etag", "\"e1\""}}, "ij"});
  std::vector<std::byte> out(4);
  auto n = f.store.Read("dir/a b.bin", {8, 4}, out, {"\"e1\""});
  REQUIRE(n.ok());
  CHECK(*n == 2);
  CHECK(HeaderOf(f.fake->requests[1], "range") == "bytes=8-11");
  CHECK(HeaderOf(f.fake->requests[1], "if-match") == "\"e1\"");
}

TEST_CASE("HttpStore: a server that ignores Range is a clear error", "[http]") {
  Fixture f;
  f.fake->Push({Status::Ok(), 200, {{"content-length", "2"}}, "ab"});
  std::vector<std::byte> out(2);
  auto n = f.store.Read("x", {5, 2}, out, {});
  CHECK(n.status().code() == StatusCode::kDataLoss);
  CHECK(n.status().message().find("ignored the Range header (HTTP 200 instead of 206)") !=
        std::string::npos);
  // A fake that overflows the buffer stands for a full body sent to a ranged GET.
  f.fake->Push({Status::Ok(), 200, {}, "abcdef"});
  auto overflow = f.store.Read("x", {0, 2}, out, {});
  CHECK(overflow.status().message().find("the server ignores Range") != std::string::npos);
}

TEST_CASE("HttpStore: HEAD refused -> first ranged GET; 200 there means no ranges", "[http]") {
  Fixture f;
  f.fake->Push({Status::Ok(), 405, {}, ""});
  f.fake->Push({Status::Ok(), 206, {{"content-range", "bytes 0-0/1234"}, {"etag", "\"g\""}}, "a"});
  auto info = f.store.Stat("k?sig=1");
  REQUIRE(info.ok());
  CHECK(info->size == 1234);
  CHECK(info->etag == "\"g\"");
  CHECK(HeaderOf(f.fake->requests[1], "range") == "bytes=0-0");

  f.fake->Push({Status::Ok(), 405, {}, ""});
  f.fake->Push({Status::Ok(), 200, {}, "a"});
  auto no_ranges = f.store.Stat("k?sig=secret");
  CHECK(no_ranges.status().code() == StatusCode::kInvalidArgument);
  CHECK(no_ranges.status().message().find("ignores Range") != std::string::npos);
  CHECK(no_ranges.status().message().find("secret") == std::string::npos);
}

TEST_CASE("HttpStore: changed, missing and past-the-end objects", "[http]") {
  Fixture f;
  std::vector<std::byte> out(2);
  f.fake->Push({Status::Ok(), 412, {}, ""});
  CHECK(f.store.Read("x", {0, 2}, out, {"\"a\""}).status().code() == StatusCode::kObjectChanged);
  f.fake->Push({Status::Ok(), 206, {{"content-range", "bytes 0-1/9"}, {"etag", "W/\"b\""}}, "ab"});
  CHECK(f.store.Read("x", {0, 2}, out, {"W/\"a\""}).status().code() == StatusCode::kObjectChanged);
  CHECK(HeaderOf(f.fake->requests[1], "if-match").empty());
  f.fake->Push({Status::Ok(), 404, {}, ""});
  auto missing = f.store.Stat("no/such");
  CHECK(missing.status().code() == StatusCode::kNotFound);
  CHECK(missing.status().message().find("http://example.com:8080/no/such") != std::string::npos);
  f.fake->Push({Status::Ok(), 416, {{"content-range", "bytes */9"}}, ""});
  CHECK(*f.store.Read("x", {9, 2}, out, {}) == 0);
  f.fake->Push({Status::Ok(), 416, {{"content-range", "bytes */9"}}, ""});
  CHECK(f.store.Read("x", {10, 2}, out, {}).status().code() == StatusCode::kOutOfRange);
  CHECK(f.store.List({}).status().code() == StatusCode::kUnimplemented);
}
