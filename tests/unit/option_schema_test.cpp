// The option schema: every option settable from text, bad values named,
// defaults shown as the help and README show them, validation messages.
#include "objectfs/option_schema.hpp"

#include <catch2/catch.hpp>
#include <cctype>
#include <set>
#include <string>

#include "unit/option_test_util.hpp"

namespace objectfs {
namespace {

using testing::Contains;
using testing::ShowField;

// A text valid for the type.
std::string Sample(OptionType type) {
  switch (type) {
    case OptionType::kBool:
      return "yes";
    case OptionType::kInt:
      return "7";
    case OptionType::kSize:
      return "3M";
    case OptionType::kSeconds:
      return "2.5";
    case OptionType::kString:
      break;
  }
  return "some-value";
}

// What Sample(type) must store; whole-second fields drop the half second.
std::string Expected(const OptionInfo& info, ClientOptions& options) {
  switch (info.type) {
    case OptionType::kBool:
      return "true";
    case OptionType::kInt:
      return "7";
    case OptionType::kSize:
      return "3145728";
    case OptionType::kSeconds:
      return std::holds_alternative<std::chrono::seconds*>(info.field(options)) ? "2000ms"
                                                                                : "2500ms";
    case OptionType::kString:
      break;
  }
  return "some-value";
}

TEST_CASE("every option is settable from text and lands in its own field", "[options]") {
  REQUIRE(Options().size() >= 30);
  for (const OptionInfo& info : Options()) {
    CAPTURE(info.name);
    ClientOptions options;
    const std::string before = ShowField(info.field(options));
    REQUIRE(SetOption(options, info.name, Sample(info.type)).ok());
    const std::string after = ShowField(info.field(options));
    CHECK(after == Expected(info, options));
    CHECK(after != before);
    ClientOptions defaults;
    for (const OptionInfo& other : Options()) {
      if (&other == &info) continue;
      CAPTURE(other.name);
      CHECK(ShowField(other.field(options)) == ShowField(other.field(defaults)));
    }
  }
}

TEST_CASE("options are found by name, alias and dashed spelling", "[options]") {
  for (const OptionInfo& info : Options()) {
    CAPTURE(info.name);
    CHECK(FindOption(info.name) == &info);
    CHECK(FindOption(info.Flag().substr(2)) == &info);  // "part-size"
    if (!info.alias.empty()) CHECK(FindOption(info.alias) == &info);
  }
  ClientOptions options;
  REQUIRE(SetOption(options, "account-name", "acct").ok());
  CHECK(options.azure.account == "acct");
  CHECK(FindOption("nope") == nullptr);
  const Status unknown = SetOption(options, "nope", "1");
  CHECK(unknown.code() == StatusCode::kInvalidArgument);
  CHECK(Contains(unknown.message(), "unknown option 'nope'"));
}

TEST_CASE("names, aliases and flags are unique; variables follow one pattern", "[options]") {
  std::set<std::string> names;
  for (const OptionInfo& info : Options()) {
    CAPTURE(info.name);
    CHECK(names.insert(std::string(info.name)).second);
    if (!info.alias.empty()) CHECK(names.insert(std::string(info.alias)).second);
    CHECK(!info.help.empty());
    CHECK(info.field != nullptr);
    REQUIRE(!info.env[0].empty());  // every option reaches the environment
    if (!info.env_read_by_library) {
      std::string expected = "OBJECTFS_";
      for (char c : info.name) expected += static_cast<char>(std::toupper(c));
      CHECK(info.env[0] == expected);
    }
  }
}

TEST_CASE("a bad value is an error naming the option and the value", "[options]") {
  for (const OptionInfo& info : Options()) {
    if (info.type == OptionType::kString) continue;  // any text is a string
    CAPTURE(info.name);
    ClientOptions options;
    const Status status = SetOption(options, info.name, "bogus!");
    REQUIRE(status.code() == StatusCode::kInvalidArgument);
    CHECK(status.message().starts_with(std::string(info.name) + ": "));
    CHECK(Contains(status.message(), "'bogus!'"));
  }
  ClientOptions options;
  CHECK(Contains(SetOption(options, "part_size", "8X").message(), "invalid size '8X'"));
  CHECK(Contains(SetOption(options, "max_parallel_requests", "99999999999").message(),
                 "out of range"));
  CHECK(Contains(SetOption(options, "connect_timeout", "-1").message(), "'-1'"));
  CHECK(!SetOption(options, "connect_timeout", "2x").ok());
}

TEST_CASE("text forms of each type", "[options]") {
  ClientOptions o;
  REQUIRE(SetOption(o, "memory_limit", "2GiB").ok());
  CHECK(o.read.memory_limit == 2ull << 30);
  REQUIRE(SetOption(o, "memory_limit", "auto").ok());
  CHECK(o.read.memory_limit == 0);
  REQUIRE(SetOption(o, "part_size", "512K").ok());
  CHECK(o.read.part_size == 512u << 10);
  REQUIRE(SetOption(o, "connect_timeout", "500ms").ok());
  CHECK(o.http.connect_timeout == std::chrono::milliseconds(500));
  REQUIRE(SetOption(o, "read_timeout", "2m").ok());
  CHECK(o.http.low_speed_time == std::chrono::seconds(120));
  REQUIRE(SetOption(o, "no_sign_request", "").ok());  // a bare -o flag
  CHECK(o.s3.no_sign_request);
  REQUIRE(SetOption(o, "no_sign_request", "False").ok());
  CHECK(!o.s3.no_sign_request);
}

TEST_CASE("defaults read as the help shows them", "[options]") {
  CHECK(FindOption("part_size")->DefaultText() == "8M");
  CHECK(FindOption("memory_limit")->DefaultText() == "auto");
  CHECK(FindOption("max_parallel_requests")->DefaultText() == "16");
  CHECK(FindOption("connect_timeout")->DefaultText() == "5");
  CHECK(FindOption("read_timeout")->DefaultText() == "30");
  CHECK(FindOption("retry_initial_backoff")->DefaultText() == "100ms");
  CHECK(FindOption("cache_size")->DefaultText() == "10G");
  CHECK(FindOption("no_sign_request")->DefaultText() == "false");
  CHECK(FindOption("endpoint_url")->DefaultText().empty());
  CHECK(FindOption("part_size")->Flag() == "--part-size");
  CHECK(FindOption("azure_account_name")->AliasFlag() == "--account-name");
}

TEST_CASE("validation names the option and the value", "[options]") {
  CHECK(ValidateOptions(ClientOptions{}).ok());
  auto message = [](auto change) {
    ClientOptions o;
    change(o);
    return ValidateOptions(o).message();
  };
  CHECK(message([](ClientOptions& o) { o.read.part_size = 1024; }) ==
        "part_size must be between 64K and 5G (got 1K)");
  CHECK(message([](ClientOptions& o) { o.read.memory_limit = 1 << 20; }) ==
        "memory_limit must be at least twice part_size (got 1M)");
  CHECK(message([](ClientOptions& o) { o.read.max_parallel_requests = 0; }) ==
        "max_parallel_requests must be between 1 and 1024 (got 0)");
  CHECK(message([](ClientOptions& o) { o.http.retry.max_attempts = 0; }) ==
        "max_attempts must be at least 1 (got 0)");
  CHECK(message([](ClientOptions& o) { o.http.connect_timeout = {}; }) ==
        "connect_timeout must be positive (got 0)");
  CHECK(message([](ClientOptions& o) { o.http.low_speed_time = {}; }) ==
        "read_timeout must be at least 1 second (got 0)");
  CHECK(message([](ClientOptions& o) { o.read.block_size = 16u << 20; }) ==
        "block_size must be between 1 and part_size (got 16M)");
}

}  // namespace
}  // namespace objectfs
