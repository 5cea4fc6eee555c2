#include "http/retry.hpp"

#include <catch2/catch.hpp>
#include <set>

#include "core/stats.hpp"
#include "unit/fake_transport.hpp"

using namespace objectfs;
using namespace objectfs::internal;
using objectfs::testing::FakeTransport;
using objectfs::testing::ScriptedResponse;

namespace {

struct Harness {
  std::shared_ptr<FakeTransport> fake = std::make_shared<FakeTransport>();
  StatsCounters stats;
  std::vector<std::chrono::milliseconds> sleeps;
  RetryOptions options{4, std::chrono::milliseconds(100), std::chrono::milliseconds(1000)};
  RetryingTransport Make() {
    return RetryingTransport(fake, options, &stats,
                             [this](std::chrono::milliseconds d) { sleeps.push_back(d); });
  }
};

HttpRequest Get() {
  HttpRequest r;
  r.url = "http://127.0.0.1/bucket/key";
  return r;
}

}  // namespace

TEST_CASE("retries 5xx, 429 and 503 SlowDown, then succeeds", "[retry]") {
  Harness h;
  h.fake->Push({Status::Ok(), 500, {}, "<Error><Code>InternalError</Code></Error>"});
  h.fake->Push({Status::Ok(), 503, {}, "<Error><Code>SlowDown</Code></Error>"});
  h.fake->Push({Status::Ok(), 429, {}, ""});
  h.fake->Push({Status::Ok(), 200, {}, "ok"});
  auto transport = h.Make();
  auto response = transport.Send(Get());
  REQUIRE(response.ok());
  CHECK(response->status == 200);
  CHECK(h.fake->requests.size() == 4);
  CHECK(h.stats.retries == 3);
  CHECK(h.sleeps.size() == 3);
}

TEST_CASE("retries connection errors and reports the attempt count", "[retry]") {
  Harness h;
  h.fake->fallback = [](const HttpRequest&) {
    return ScriptedResponse{Unavailable("Couldn't connect to server"), 0, {}, {}};
  };
  auto transport = h.Make();
  auto response = transport.Send(Get());
  REQUIRE_FALSE(response.ok());
  CHECK(response.status().code() == StatusCode::kUnavailable);
  CHECK_THAT(response.status().message(), Catch::Contains("gave up after 4 attempts"));
  CHECK(h.fake->requests.size() == 4);
}

TEST_CASE("does not retry other 4xx or non-network errors", "[retry]") {
  for (long status : {400L, 403L, 404L, 412L, 416L}) {
    Harness h;
    h.fake->Push({Status::Ok(), status, {}, ""});
    auto transport = h.Make();
    auto response = transport.Send(Get());
    REQUIRE(response.ok());
    CHECK(response->status == status);
    CHECK(h.fake->requests.size() == 1);
    CHECK(h.sleeps.empty());
  }
  Harness h;
  h.fake->Push({DataLoss("server sent more bytes than requested"), 0, {}, {}});
  auto transport = h.Make();
  CHECK(transport.Send(Get()).status().code() == StatusCode::kDataLoss);
  CHECK(h.fake->requests.size() == 1);
}

TEST_CASE("gives the last 5xx response back after the last attempt", "[retry]") {
  Harness h;
  h.fake->fallback = [](const HttpRequest&) {
    return ScriptedResponse{Status::Ok(), 502, {}, "bad gateway"};
  };
  auto transport = h.Make();
  auto response = transport.Send(Get());
  REQUIRE(response.ok());
  CHECK(response->status == 502);
  CHECK(h.fake->requests.size() == 4);
}

TEST_CASE("backoff grows exponentially with jitter and stays capped", "[retry]") {
  RetryOptions options{10, std::chrono::milliseconds(100), std::chrono::milliseconds(1000)};
  std::mt19937_64 rng(42);
  std::set<int64_t> distinct;
  for (int trial = 0; trial < 200; ++trial) {
    for (int retry = 1; retry <= 8; ++retry) {
      const int64_t ceiling = std::min<int64_t>(100LL << (retry - 1), 1000);
      const auto delay = BackoffDelay(options, retry, rng).count();
      CHECK(delay >= ceiling / 2);
      CHECK(delay <= ceiling);
      if (retry == 3) distinct.insert(delay);
    }
  }
  CHECK(distinct.size() > 20);  // jittered, not a constant
}

TEST_CASE("Retry-After stretches the delay up to max_backoff", "[retry]") {
  Harness h;
  h.options.max_backoff = std::chrono::milliseconds(3000);
  h.fake->Push({Status::Ok(), 503, {{"retry-after", "2"}}, ""});
  h.fake->Push({Status::Ok(), 200, {}, ""});
  auto transport = h.Make();
  REQUIRE(transport.Send(Get()).ok());
  REQUIRE(h.sleeps.size() == 1);
  CHECK(h.sleeps[0] >= std::chrono::milliseconds(2000));
}
