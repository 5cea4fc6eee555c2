// BuildClientOptions: precedence flag > environment > config file > default,
// and the errors of a config file (unknown key, bad value, YAML syntax).
#include <stdlib.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>

#include "objectfs/option_schema.hpp"
#include "unit/option_test_util.hpp"

namespace objectfs {
namespace {

using testing::Contains;
using testing::ShowField;

// A config file that removes itself.
struct ConfigFile {
  std::string path;
  explicit ConfigFile(const std::string& text) {
    path = (std::filesystem::temp_directory_path() / "objectfs-config-XXXXXX.yaml").string();
    const int fd = ::mkstemps(path.data(), 5);
    REQUIRE(fd >= 0);
    ::close(fd);
    std::ofstream(path) << text;
  }
  ~ConfigFile() { std::filesystem::remove(path); }
};

OptionEnv Env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

Result<ClientOptions> Build(const std::string& file, std::map<std::string, std::string> env,
                            std::vector<std::pair<std::string, std::string>> values = {}) {
  OptionSources sources;
  sources.config_file = file;
  sources.env = Env(std::move(env));
  sources.values = std::move(values);
  return BuildClientOptions(sources);
}

TEST_CASE("flag > environment > config file > default", "[options]") {
  ConfigFile file("max_attempts: 3\nregion: file-region\npart_size: 16M\n");
  const std::map<std::string, std::string> env = {{"OBJECTFS_MAX_ATTEMPTS", "4"},
                                                  {"AWS_REGION", "env-region"}};
  const std::vector<std::pair<std::string, std::string>> flags = {{"max_attempts", "5"},
                                                                  {"region", "flag-region"}};

  auto all = Build(file.path, env, flags);
  REQUIRE(all.ok());
  CHECK(all->http.retry.max_attempts == 5);
  CHECK(all->s3.region == "flag-region");
  CHECK(all->read.part_size == 16u << 20);  // only in the file

  auto no_flags = Build(file.path, env);
  REQUIRE(no_flags.ok());
  CHECK(no_flags->http.retry.max_attempts == 4);
  // AWS_REGION is read by the S3 settings chain when the option is unset: the
  // file yields to it by leaving the option unset.
  CHECK(no_flags->s3.region.empty());

  auto file_only = Build(file.path, {});
  REQUIRE(file_only.ok());
  CHECK(file_only->http.retry.max_attempts == 3);
  CHECK(file_only->s3.region == "file-region");

  auto defaults = Build("", {});
  REQUIRE(defaults.ok());
  CHECK(defaults->http.retry.max_attempts == ClientOptions{}.http.retry.max_attempts);
  CHECK(defaults->s3.region.empty());
}

TEST_CASE("OBJECTFS_CONFIG names the file when none is given", "[options]") {
  ConfigFile file("max_parallel_requests: 4\nendpoint_url: http://127.0.0.1:7480\n");
  auto options = Build("", {{"OBJECTFS_CONFIG", file.path}});
  REQUIRE(options.ok());
  CHECK(options->read.max_parallel_requests == 4);
  CHECK(options->s3.endpoint_url == "http://127.0.0.1:7480");
  ConfigFile other("max_parallel_requests: 8\n");
  auto explicit_file = Build(other.path, {{"OBJECTFS_CONFIG", file.path}});
  REQUIRE(explicit_file.ok());
  CHECK(explicit_file->read.max_parallel_requests == 8);
}

TEST_CASE("every option can come from a config file and from the environment", "[options]") {
  for (const OptionInfo& info : Options()) {
    CAPTURE(info.name);
    const std::string value = info.type == OptionType::kBool     ? "true"
                              : info.type == OptionType::kString ? "x"
                                                                 : "7";
    ConfigFile file(std::string(info.name) + ": " + value + "\n");
    auto from_file = Build(file.path, {});
    REQUIRE(from_file.ok());
    ClientOptions expected;
    REQUIRE(SetOption(expected, info.name, value).ok());
    ClientOptions defaults;
    const std::string wanted = ShowField(info.field(expected));
    REQUIRE(wanted != ShowField(info.field(defaults)));
    CHECK(ShowField(info.field(*from_file)) == wanted);

    auto from_env = Build("", {{std::string(info.env[0]), value}});
    REQUIRE(from_env.ok());
    // Variables the library reads itself stay out of ClientOptions.
    CHECK(ShowField(info.field(*from_env)) ==
          (info.env_read_by_library ? ShowField(info.field(defaults)) : wanted));
  }
}

TEST_CASE("config file errors name the file, the line and the key", "[options]") {
  ConfigFile unknown("part_size: 8M\nbogus_key: 1\n");
  auto a = Build(unknown.path, {});
  REQUIRE(!a.ok());
  CHECK(a.status().code() == StatusCode::kInvalidArgument);
  CHECK(a.status().message() == "config file " + unknown.path +
                                    ", line 2: unknown option 'bogus_key' (see objectfs --help "
                                    "for the names)");

  ConfigFile bad_value("max_attempts: 2\npart_size: 8X\n");
  auto b = Build(bad_value.path, {});
  REQUIRE(!b.ok());
  CHECK(b.status().message() == "config file " + bad_value.path +
                                    ", line 2: part_size: invalid size '8X' (expected e.g. "
                                    "8M, 1G, 4096)");

  ConfigFile syntax("part_size: 8M\nregion: [unclosed\n");
  auto c = Build(syntax.path, {});
  REQUIRE(!c.ok());
  CHECK(Contains(c.status().message(), "config file " + syntax.path + ", line "));
  CHECK(Contains(c.status().message(), "YAML syntax error"));

  ConfigFile list("region:\n  - a\n  - b\n");
  CHECK(
      Contains(Build(list.path, {}).status().message(), "line 1: region: expected a single value"));
  ConfigFile twice("region: a\nregion: b\n");
  CHECK(Contains(Build(twice.path, {}).status().message(), "line 2: region is given twice"));
  ConfigFile scalar("just text\n");
  CHECK(Contains(Build(scalar.path, {}).status().message(), "expected a mapping"));
  ConfigFile empty("");
  CHECK(Build(empty.path, {}).ok());

  auto missing = Build("/nonexistent/objectfs.yaml", {});
  REQUIRE(!missing.ok());
  CHECK(Contains(missing.status().message(), "config file /nonexistent/objectfs.yaml"));
}

TEST_CASE("a bad environment value names the variable and the option", "[options]") {
  auto bad = Build("", {{"OBJECTFS_PART_SIZE", "huge"}});
  REQUIRE(!bad.ok());
  CHECK(bad.status().message() ==
        "environment variable OBJECTFS_PART_SIZE: part_size: invalid size 'huge' (expected e.g. "
        "8M, 1G, 4096)");
  auto empty = Build("", {{"OBJECTFS_PART_SIZE", ""}});  // empty counts as unset
  REQUIRE(empty.ok());
  CHECK(empty->read.part_size == ClientOptions{}.read.part_size);
}

}  // namespace
}  // namespace objectfs
