// The README's option table is the schema's: regenerate it with
// `build/objectfs options --markdown` when an option changes.
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "objectfs/option_schema.hpp"

namespace objectfs {
namespace {

constexpr std::string_view kBegin = "<!-- options: begin (build/objectfs options --markdown) -->\n";
constexpr std::string_view kEnd = "<!-- options: end -->";

TEST_CASE("the README option table matches the schema", "[options]") {
  std::ifstream in(OBJECTFS_SOURCE_DIR "/README.md");
  REQUIRE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  const std::string readme = text.str();
  const size_t begin = readme.find(kBegin);
  REQUIRE(begin != std::string::npos);
  const size_t start = begin + kBegin.size();
  const size_t end = readme.find(kEnd, start);
  REQUIRE(end != std::string::npos);
  CHECK(readme.substr(start, end - start) == OptionsMarkdown());
}

}  // namespace
}  // namespace objectfs
