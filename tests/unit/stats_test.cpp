// The counter list (objectfs/stats.hpp) is the one source of ClientStats, the
// library's atomic counters and the `--stats` line: these checks fail when a
// counter is declared somewhere without being listed, or printed differently.
#include "objectfs/stats.hpp"

#include <catch2/catch.hpp>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "core/stats.hpp"

using namespace objectfs;

namespace {

// name -> value, in line order, of a "stats: a=1 b=2" line.
std::vector<std::pair<std::string, uint64_t>> ParseLine(const std::string& line) {
  REQUIRE(line.rfind("stats: ", 0) == 0);
  std::vector<std::pair<std::string, uint64_t>> out;
  const std::regex pair(R"(([a-z_]+)=(\d+))");
  for (auto it = std::sregex_iterator(line.begin(), line.end(), pair); it != std::sregex_iterator();
       ++it) {
    out.emplace_back((*it)[1].str(), std::stoull((*it)[2].str()));
  }
  return out;
}

}  // namespace

TEST_CASE("every ClientStats field is a row of the counter list", "[stats]") {
  // A field added to ClientStats by hand (outside the list) makes it bigger.
  STATIC_REQUIRE(sizeof(ClientStats) == kClientStats.size() * sizeof(uint64_t));
  std::set<std::string_view> names;
  for (const StatDescriptor& row : kClientStats) {
    CHECK(names.insert(row.name).second);
    CHECK(!row.help.empty());
  }
  // No two rows share a field: a value written through each row survives.
  ClientStats stats;
  for (size_t i = 0; i < kClientStats.size(); ++i) stats.*kClientStats[i].field = i + 1;
  for (size_t i = 0; i < kClientStats.size(); ++i) CHECK(stats.*kClientStats[i].field == i + 1);
  CHECK(names.count("get_requests") == 1);
  CHECK(names.count("disk_write_failures") == 1);
}

TEST_CASE("the --stats line prints every row with its value, in list order", "[stats]") {
  ClientStats stats;
  uint64_t value = 1000;
  for (const StatDescriptor& row : kClientStats) stats.*row.field = value++;
  stats.head_requests = 0;  // tests grep "head_requests=0 "
  const std::string line = StatsLine(stats);
  const auto parsed = ParseLine(line);
  REQUIRE(parsed.size() == kClientStats.size());
  for (size_t i = 0; i < parsed.size(); ++i) {
    CHECK(parsed[i].first == kClientStats[i].name);
    CHECK(parsed[i].second == stats.*kClientStats[i].field);
  }
  CHECK(line.find("head_requests=0 ") != std::string::npos);
  CHECK(line.find("get_requests=1001 ") != std::string::npos);
}

TEST_CASE("the library's counters snapshot into the fields of the same name", "[stats]") {
  internal::StatsCounters counters;
  uint64_t value = 1;
  std::map<std::string, uint64_t> added;
#define OBJECTFS_ADD_Counter(name) \
  internal::Add(counters.name, value), added[#name] = value, ++value;
#define OBJECTFS_ADD_Gauge(name)
#define OBJECTFS_ADD(name, kind, help) OBJECTFS_ADD_##kind(name)
  OBJECTFS_CLIENT_STATS(OBJECTFS_ADD)
#undef OBJECTFS_ADD
#undef OBJECTFS_ADD_Gauge
#undef OBJECTFS_ADD_Counter
  const ClientStats snapshot = counters.Snapshot();
  size_t counters_seen = 0;
  for (const StatDescriptor& row : kClientStats) {
    if (row.kind == StatKind::kGauge) {
      CHECK(snapshot.*row.field == 0);  // the Client fills gauges from its caches
      continue;
    }
    ++counters_seen;
    CHECK(snapshot.*row.field == added.at(std::string(row.name)));
  }
  CHECK(counters_seen == added.size());
}
