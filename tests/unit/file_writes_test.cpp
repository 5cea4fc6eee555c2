// Local-file writes beyond what the store contract covers: names the
// temporary file must not outgrow.
#include <catch2/catch.hpp>
#include <filesystem>

#include "stores/file/file_store.hpp"
#include "unit/temp_dir.hpp"

using namespace objectfs;
using objectfs::testing::TempDir;

TEST_CASE("local files take names as long as the file system allows", "[file]") {
  TempDir temp;
  internal::FileStore store;
  const std::string key = (temp.path / std::string(255, 'n')).string();  // NAME_MAX
  const std::string bytes = "a long name";
  const std::span<const std::byte> span(reinterpret_cast<const std::byte*>(bytes.data()),
                                        bytes.size());
  auto put = store.Put(key, span, {});
  REQUIRE(put.ok());
  CHECK(std::filesystem::file_size(key) == bytes.size());
  auto again = store.Put(key, span, {.if_none_match = true});
  CHECK(again.status().code() == StatusCode::kAlreadyExists);
  // Only the object: no temporary file left.
  CHECK(std::distance(std::filesystem::directory_iterator(temp.path),
                      std::filesystem::directory_iterator()) == 1);
}
