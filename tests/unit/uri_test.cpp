#include "objectfs/uri.hpp"

#include <catch2/catch.hpp>

using objectfs::ParseUri;
using objectfs::StatusCode;

TEST_CASE("ParseUri splits s3 URIs into bucket and key", "[uri]") {
  auto uri = ParseUri("s3://my-bucket/models/llama/weights.safetensors");
  REQUIRE(uri.ok());
  CHECK(uri->scheme == "s3");
  CHECK(uri->bucket == "my-bucket");
  CHECK(uri->key == "models/llama/weights.safetensors");
  CHECK(uri->ToString() == "s3://my-bucket/models/llama/weights.safetensors");
}

TEST_CASE("ParseUri keeps keys literally", "[uri]") {
  auto uri = ParseUri("S3://bucket/a b/c+d/%20/../ключ");
  REQUIRE(uri.ok());
  CHECK(uri->scheme == "s3");
  CHECK(uri->key == "a b/c+d/%20/../ключ");
  auto root = ParseUri("s3://bucket");
  REQUIRE(root.ok());
  CHECK(root->key.empty());
  auto trailing = ParseUri("s3://bucket/dir/");
  REQUIRE(trailing.ok());
  CHECK(trailing->key == "dir/");
}

TEST_CASE("ParseUri treats scheme-less text as a local path", "[uri]") {
  auto relative = ParseUri("data/model.bin");
  REQUIRE(relative.ok());
  CHECK(relative->scheme == "file");
  CHECK(relative->key == "data/model.bin");
  auto file = ParseUri("file:///tmp/x");
  REQUIRE(file.ok());
  CHECK(file->key == "/tmp/x");
  CHECK(file->ToString() == "file:///tmp/x");
}

TEST_CASE("ParseUri rejects malformed URIs with a reason", "[uri]") {
  struct Case {
    const char* text;
    const char* reason;
  };
  const Case cases[] = {
      {"", "empty URI"},
      {"s3://", "missing bucket"},
      {"s3:///key", "missing bucket"},
      {"s3://bad bucket/key", "invalid bucket name"},
      {"s3://bu/key", "3 to 222"},
      {"s3://bucket?x/key", "invalid bucket name"},
      {"ftp://host/file", "unsupported URI scheme 'ftp'"},
      {"s3:bucket/key", "expected s3://"},
      {"file://relative/path", "absolute path"},
      {"https:///path", "missing host"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    auto uri = ParseUri(c.text);
    REQUIRE_FALSE(uri.ok());
    CHECK(uri.status().code() == StatusCode::kInvalidArgument);
    CHECK_THAT(uri.status().message(), Catch::Contains(c.reason));
  }
}

TEST_CASE("ParseUri accepts gs, az and http URIs", "[uri]") {
  auto gs = ParseUri("gs://bucket_name/obj");
  REQUIRE(gs.ok());
  CHECK(gs->bucket == "bucket_name");
  auto http = ParseUri("https://cdn.example.com:8443/path/to/file?x=1");
  REQUIRE(http.ok());
  CHECK(http->bucket == "cdn.example.com:8443");
  CHECK(http->key == "path/to/file?x=1");
}
