// Metrics, prices, logs and the metrics server (docs/observability.md).
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "fake_transport.hpp"
#include "http/curl_transport.hpp"
#include "objectfs/log.hpp"
#include "objectfs/metrics.hpp"
#include "observe/metrics_transport.hpp"
#include "observe/price_table.hpp"
#include "temp_dir.hpp"

using namespace objectfs;
using namespace objectfs::internal;
using objectfs::testing::FakeTransport;
using objectfs::testing::TempDir;

namespace {

std::string WriteFile(const TempDir& dir, const std::string& name, const std::string& text) {
  const std::string path = (dir.path / name).string();
  std::ofstream(path) << text;
  return path;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

HttpRequest Request(std::string_view store, RequestKind kind, std::string method = "GET") {
  HttpRequest request;
  request.store = store;
  request.kind = kind;
  request.method = std::move(method);
  request.url = "http://127.0.0.1:1/b/k";
  return request;
}

double CostPart(const RunCost& cost, std::string_view part) {
  for (const auto& [name, value] : cost.parts) {
    if (name == part) return value;
  }
  FAIL("no cost part " << part);
  return -1;
}

}  // namespace

TEST_CASE("a price table that makes every GET cost 1 prices a run at its GET count", "[observe]") {
  TempDir dir;
  const std::string path = WriteFile(dir, "prices.yaml",
                                     "currency: unit\n"
                                     "per_1000_requests: {get: 1000, head: 0, list: 0, put: 0}\n"
                                     "per_gb_egress: 0\n");
  auto table = LoadPriceTable(path);
  REQUIRE(table.ok());
  auto fake = std::make_shared<FakeTransport>();
  fake->fallback = [](const HttpRequest&) { return testing::ScriptedResponse{{}, 200, {}, "abc"}; };
  RequestMetrics metrics;
  MetricsTransport transport(fake, &metrics, {}, false);
  for (int i = 0; i < 7; ++i) REQUIRE(transport.Send(Request("s3", RequestKind::kGet)).ok());
  for (int i = 0; i < 3; ++i) REQUIRE(transport.Send(Request("gcs", RequestKind::kHead)).ok());
  REQUIRE(transport.Send(Request("azure", RequestKind::kList)).ok());
  const RunCost cost = CostOf(metrics, *table);
  CHECK(cost.currency == "unit");
  CHECK(cost.total == Approx(7));
  CHECK(CostPart(cost, "get") == Approx(7));
  CHECK(CostPart(cost, "head") == 0);
  CHECK(CostPart(cost, "egress") == 0);
}

TEST_CASE("built-in prices bill S3 requests by class and egress per GB", "[observe]") {
  const PriceTable table = DefaultPriceTable();
  auto fake = std::make_shared<FakeTransport>();
  fake->fallback = [](const HttpRequest&) {
    return testing::ScriptedResponse{{}, 206, {}, std::string(1024, 'x')};
  };
  RequestMetrics metrics;
  MetricsTransport transport(fake, &metrics, {}, false);
  for (int i = 0; i < 1000; ++i) REQUIRE(transport.Send(Request("s3", RequestKind::kGet)).ok());
  REQUIRE(transport.Send(Request("s3", RequestKind::kPut, "POST")).ok());
  REQUIRE(transport.Send(Request("file", RequestKind::kGet)).ok());  // not a billing store
  const RunCost cost = CostOf(metrics, table);
  CHECK(CostPart(cost, "get") == Approx(0.0004));
  CHECK(CostPart(cost, "put") == Approx(0.000005));
  CHECK(CostPart(cost, "egress") == Approx(1000.0 * 1024 / double(1ull << 30) * 0.09));
}

TEST_CASE("failed exchanges are not billed; failed attempts count by cause", "[observe]") {
  auto fake = std::make_shared<FakeTransport>();
  fake->Push({Unavailable("connect: refused (curl error 7)"), 0, {}, ""});
  fake->Push({Unavailable("read: Operation timed out (curl error 28)"), 0, {}, ""});
  fake->Push({{}, 503, {}, ""});
  fake->Push({{}, 404, {}, ""});
  fake->Push({{}, 200, {}, ""});
  RequestMetrics metrics;
  MetricsTransport transport(fake, &metrics, {}, false);
  for (int i = 0; i < 5; ++i) (void)transport.Send(Request("s3", RequestKind::kHead, "HEAD"));
  const size_t s3 = StoreIndex("s3");
  CHECK(metrics.Requests(s3, 0, 4) == 2);  // "error": no HTTP answer
  CHECK(metrics.Requests(s3, 0, 3) == 1);
  CHECK(metrics.Requests(s3, 0, 2) == 1);
  CHECK(metrics.Requests(s3, 0, 0) == 1);
  CHECK(metrics.Answered(s3, 0) == 3);
  std::vector<MetricFamily> families;
  metrics.AppendFamilies(families);
  const std::string text = PrometheusText(families);
  CHECK(text.find("objectfs_errors_total{cause=\"network\"} 1\n") != std::string::npos);
  CHECK(text.find("objectfs_errors_total{cause=\"timeout\"} 1\n") != std::string::npos);
  CHECK(text.find("objectfs_errors_total{cause=\"throttled\"} 1\n") != std::string::npos);
  CHECK(text.find("objectfs_errors_total{cause=\"not_found\"} 1\n") != std::string::npos);
  CHECK(text.find("objectfs_requests_total{store=\"s3\",kind=\"head\",status=\"5xx\"} 1\n") !=
        std::string::npos);
  CHECK(text.find("objectfs_request_duration_seconds_count{kind=\"head\"} 5\n") !=
        std::string::npos);
  CHECK(text.find("objectfs_inflight_requests 0\n") != std::string::npos);
}

TEST_CASE("price tables with mistakes name the file, the line and the key", "[observe]") {
  TempDir dir;
  auto error = [&](const std::string& text) {
    auto table = LoadPriceTable(WriteFile(dir, "p.yaml", text));
    REQUIRE(!table.ok());
    return table.status().message();
  };
  CHECK_THAT(error("per_1000_requests: {get: -1}\n"), Catch::Contains("p.yaml, line 1") &&
                                                          Catch::Contains("get") &&
                                                          Catch::Contains("'-1' is not a price"));
  CHECK_THAT(error("currency: USD\nper_1000_requests: {fetch: 1}\n"),
             Catch::Contains("line 2") && Catch::Contains("unknown request class 'fetch'"));
  CHECK_THAT(error("per_gb: 1\n"), Catch::Contains("unknown key 'per_gb'"));
  CHECK_THAT(error("stores: {s4: {per_gb_egress: 1}}\n"), Catch::Contains("unknown store 's4'"));
  CHECK_THAT(error("per_gb_egress: [1\n"), Catch::Contains("YAML syntax error"));
  auto missing = LoadPriceTable((dir.path / "nope.yaml").string());
  REQUIRE(!missing.ok());
  CHECK(missing.status().code() == StatusCode::kNotFound);
  CHECK_THAT(missing.status().message(), Catch::Contains("nope.yaml"));
}

TEST_CASE("a per-store section overrides one store's prices only", "[observe]") {
  TempDir dir;
  auto table = LoadPriceTable(
      WriteFile(dir, "p.yaml", "per_gb_egress: 0.05\nstores: {gcs: {per_gb_egress: 0.01}}\n"));
  REQUIRE(table.ok());
  CHECK(table->stores[StoreIndex("s3")].per_gb_egress == Approx(0.05));
  CHECK(table->stores[StoreIndex("gcs")].per_gb_egress == Approx(0.01));
  CHECK(table->stores[StoreIndex("s3")].per_1000_requests[0] == Approx(0.0004));  // kept
}

TEST_CASE("the text format escapes labels and ends histograms with +Inf", "[observe]") {
  MetricFamily counter{"x_total",
                       "help with \\ and\nnewline",
                       MetricType::kCounter,
                       {{{{"path", "a\"b\\c\nd"}}, 3}},
                       {}};
  MetricFamily histogram{"h_seconds", "h", MetricType::kHistogram, {}, {}};
  histogram.histograms.push_back({{{"kind", "get"}}, {0.1, 1}, {2, 5}, 6, 4.5});
  const std::vector<MetricFamily> families = {counter, histogram};
  const std::string text = PrometheusText(families);
  CHECK(text ==
        "# HELP x_total help with \\\\ and\\nnewline\n"
        "# TYPE x_total counter\n"
        "x_total{path=\"a\\\"b\\\\c\\nd\"} 3\n"
        "# HELP h_seconds h\n"
        "# TYPE h_seconds histogram\n"
        "h_seconds_bucket{kind=\"get\",le=\"0.1\"} 2\n"
        "h_seconds_bucket{kind=\"get\",le=\"1\"} 5\n"
        "h_seconds_bucket{kind=\"get\",le=\"+Inf\"} 6\n"
        "h_seconds_sum{kind=\"get\"} 4.5\n"
        "h_seconds_count{kind=\"get\"} 6\n");
  const auto json = nlohmann::json::parse(MetricsJson(families));
  CHECK(json["x_total{path=\"a\\\"b\\\\c\\nd\"}"] == 3);
  CHECK(json["h_seconds_count{kind=\"get\"}"] == 6);
}

TEST_CASE("debug records carry the redacted URL and the request id", "[observe]") {
  CHECK(RedactedUrl("https://a.blob/c/k?sv=2021&sig=SECRET%2Bx&se=1") ==
        "https://a.blob/c/k?sv=2021&sig=REDACTED&se=1");
  CHECK(RedactedUrl("https://h/k?X-Amz-Signature=S&X-Amz-Security-Token=T&prefix=p") ==
        "https://h/k?X-Amz-Signature=REDACTED&X-Amz-Security-Token=REDACTED&prefix=p");
  CHECK(RedactedUrl("http://h/k") == "http://h/k");
  auto fake = std::make_shared<FakeTransport>();
  fake->Push({{}, 200, {{"x-amz-request-id", "tx0001"}}, "hello"});
  RequestMetrics metrics;
  std::vector<std::string> lines;
  LogSink sink = [&](const LogRecord& r) {
    lines.push_back(std::string(LogLevelName(r.level)) + "|" + std::string(r.message) + "|" +
                    std::string(r.uri) + "|" + std::string(r.request_id));
  };
  MetricsTransport transport(fake, &metrics, sink, true);
  HttpRequest request = Request("azure", RequestKind::kGet);
  request.url = "https://a/c/k?sig=SECRET";
  REQUIRE(transport.Send(request).ok());
  REQUIRE(lines.size() == 1);
  CHECK_THAT(lines[0], Catch::StartsWith("debug|GET 200, ") &&
                           Catch::EndsWith(", 5 bytes|https://a/c/k?sig=REDACTED|tx0001"));
  CHECK(lines[0].find("SECRET") == std::string::npos);
}

TEST_CASE("LogWriter writes JSON lines at or above its level, never throwing", "[observe]") {
  TempDir dir;
  const std::string path = (dir.path / "log.jsonl").string();
  {
    auto writer = LogWriter::Open(path, LogFormat::kJson, LogLevel::kInfo);
    REQUIRE(writer.ok());
    (*writer)->Write({LogLevel::kDebug, "hidden"});
    (*writer)->Write({LogLevel::kWarning, "key \xff\xfe bad utf-8", "s3://b/k", "req-1"});
    (*writer)->Write({LogLevel::kInfo, "plain"});
  }
  std::istringstream lines(ReadFile(path));
  std::vector<nlohmann::json> records;
  for (std::string line; std::getline(lines, line);) records.push_back(nlohmann::json::parse(line));
  REQUIRE(records.size() == 2);
  CHECK(records[0]["level"] == "warn");
  CHECK(records[0]["uri"] == "s3://b/k");
  CHECK(records[0]["request_id"] == "req-1");
  CHECK(records[0]["message"].get<std::string>().starts_with("key "));
  CHECK(records[0]["time"].get<std::string>().ends_with("Z"));
  CHECK(records[1]["message"] == "plain");
  CHECK(!records[1].contains("uri"));
  CHECK(std::filesystem::status(path).permissions() ==
        (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
  CHECK(!ParseLogLevel("verbose").ok());
  CHECK_THAT(ParseLogFormat("xml").status().message(),
             Catch::Contains("'xml' is not text or json"));
}

TEST_CASE("the metrics server answers GET /metrics with the collected families", "[observe]") {
  int scrapes = 0;
  auto server = MetricsServer::Start("127.0.0.1:0", [&] {
    ++scrapes;
    return std::vector<MetricFamily>{
        {"objectfs_test_total", "a test", MetricType::kCounter, {{{}, double(scrapes)}}, {}}};
  });
  REQUIRE(server.ok());
  REQUIRE((*server)->port() != 0);
  CurlTransport curl(HttpOptions{});
  HttpRequest get;
  get.url = "http://127.0.0.1:" + std::to_string((*server)->port()) + "/metrics";
  auto answer = curl.Send(get);
  REQUIRE(answer.ok());
  CHECK(answer->status == 200);
  CHECK(answer->body ==
        "# HELP objectfs_test_total a test\n# TYPE objectfs_test_total counter\n"
        "objectfs_test_total 1\n");
  REQUIRE(answer->Header("content-type") != nullptr);
  CHECK_THAT(*answer->Header("content-type"), Catch::StartsWith("text/plain; version=0.0.4"));
  get.url = "http://127.0.0.1:" + std::to_string((*server)->port()) + "/other";
  auto other = curl.Send(get);
  REQUIRE(other.ok());
  CHECK(other->status == 404);

  // The same port again: refused, naming the address.
  const std::string taken = "127.0.0.1:" + std::to_string((*server)->port());
  auto second = MetricsServer::Start(taken, [] { return std::vector<MetricFamily>{}; });
  REQUIRE(!second.ok());
  CHECK_THAT(second.status().message(), Catch::Contains(taken) && Catch::Contains("cannot listen"));
  for (const char* bad : {"9464", "127.0.0.1:99999", "example.com:9464", "[zz]:1"}) {
    auto refused = MetricsServer::Start(bad, [] { return std::vector<MetricFamily>{}; });
    REQUIRE(!refused.ok());
    CHECK(refused.status().code() == StatusCode::kInvalidArgument);
    CHECK_THAT(refused.status().message(), Catch::Contains(std::string("'") + bad + "'"));
  }
}
