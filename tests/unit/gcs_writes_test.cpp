// GcsStore writes over a fake transport: media and resumable uploads (query,
// headers, Content-Range of each chunk and of the final request), CRC-32C
// checks, and error mapping.
#include <catch2/catch.hpp>

#include "stores/gcs/crc32c.hpp"
#include "stores/gcs/gcs_store.hpp"
#include "unit/fake_transport.hpp"
#include "util/base64.hpp"

using namespace objectfs;
using namespace objectfs::internal;
using objectfs::testing::FakeTransport;
using objectfs::testing::HeaderOf;
using objectfs::testing::ScriptedResponse;

namespace {

constexpr char kBase[] = "https://storage.googleapis.com";
constexpr char kSession[] =
    "https://storage.googleapis.com/upload/storage/v1/b/bkt/o?uploadType=resumable&upload_id=U1";

struct Fixture {
  std::shared_ptr<FakeTransport> fake = std::make_shared<FakeTransport>();
  std::unique_ptr<GcsStore> store;

  explicit Fixture(bool emulator = false) {
    auto tokens = std::make_shared<GcsTokenProvider>([] {
      GcsCredentialSource source;
      source.description = "test token";
      source.fetch = [](std::chrono::system_clock::time_point now) -> Result<GcsAccessToken> {
        return GcsAccessToken{"ya29.tok", now + std::chrono::hours(1)};
      };
      return Result<GcsCredentialSource>(source);
    });
    GcsSettings settings;
    if (emulator) settings = {"http://127.0.0.1:9199", true};
    store = std::make_unique<GcsStore>("bkt", settings, tokens, fake);
  }
};

std::span<const std::byte> Bytes(const std::string& s) { return std::as_bytes(std::span(s)); }

std::string Crc(std::string_view bytes) {
  const uint32_t crc = Crc32c(std::as_bytes(std::span(bytes.data(), bytes.size())));
  const char be[4] = {char(crc >> 24), char(crc >> 16), char(crc >> 8), char(crc)};
  return Base64Encode(std::string_view(be, 4));
}

std::string ObjectJson(const std::string& name, size_t size, const std::string& crc,
                       const std::string& generation = "1700000000000001") {
  return R"({"kind":"storage#object","name":")" + name + R"(","size":")" + std::to_string(size) +
         R"(","generation":")" + generation + R"(","etag":"CAE=","crc32c":")" + crc + R"("})";
}

ScriptedResponse Ok(std::string body) { return {Status::Ok(), 200, {}, std::move(body)}; }

}  // namespace

TEST_CASE("GcsStore Put: a media upload with crc32c, ifGenerationMatch=0 when asked",
          "[gcs][writes]") {
  Fixture f;
  const std::string data = "hello gcs";
  f.fake->Push(Ok(ObjectJson("d/k", data.size(), Crc(data))));
  auto info = f.store->Put("d/k", Bytes(data), {.if_none_match = true, .content_type = "text/x"});
  REQUIRE(info.ok());
  CHECK(info->key == "d/k");
  CHECK(info->size == data.size());
  CHECK(info->version == "1700000000000001");
  CHECK(info->etag == "CAE=");
  const HttpRequest& put = f.fake->requests.at(0);
  CHECK(put.method == "POST");
  CHECK(put.kind == RequestKind::kPut);
  CHECK(put.url ==
        std::string(kBase) +
            "/upload/storage/v1/b/bkt/o?ifGenerationMatch=0&name=d%2Fk&uploadType=media");
  CHECK(HeaderOf(put, "content-type") == "text/x");
  CHECK(HeaderOf(put, "x-goog-hash") == "crc32c=" + Crc(data));
  CHECK(HeaderOf(put, "authorization") == "Bearer ya29.tok");
  CHECK(put.payload.size() == data.size());

  SECTION("412 is kAlreadyExists") {
    f.fake->Push({Status::Ok(), 412, {}, R"({"error":{"code":412,"message":"Precondition"}})"});
    CHECK(f.store->Put("d/k", Bytes(data), {.if_none_match = true}).status().code() ==
          StatusCode::kAlreadyExists);
  }
  SECTION("a CRC-32C the server disagrees with deletes that generation: kDataLoss") {
    f.fake->Push(Ok(ObjectJson("d/k", data.size(), Crc("other"), "55")));
    f.fake->Push({Status::Ok(), 204, {}, ""});
    auto bad = f.store->Put("d/k", Bytes(data), {});
    CHECK(bad.status().code() == StatusCode::kDataLoss);
    CHECK(bad.status().message().find("was deleted") != std::string::npos);
    const HttpRequest& del = f.fake->requests.back();
    CHECK(del.method == "DELETE");
    CHECK(del.url == std::string(kBase) + "/storage/v1/b/bkt/o/d%2Fk?ifGenerationMatch=55");
  }
}

TEST_CASE("GcsStore upload: resumable session, 256 KiB chunks with bytes A-B/*, final total",
          "[gcs][writes]") {
  Fixture f;
  f.fake->Push({Status::Ok(), 200, {{"location", kSession}}, ""});
  auto upload = f.store->StartUpload("big", {.if_none_match = true});
  REQUIRE(upload.ok());
  const HttpRequest& start = f.fake->requests.at(0);
  CHECK(start.method == "POST");
  CHECK(start.url == std::string(kBase) +
                         "/upload/storage/v1/b/bkt/o?ifGenerationMatch=0&name=big"
                         "&uploadType=resumable");
  CHECK(HeaderOf(start, "content-type") == "application/json; charset=UTF-8");
  CHECK(HeaderOf(start, "x-upload-content-type") == "application/octet-stream");
  CHECK(start.body == R"({"contentType":"application/octet-stream"})");

  const uint64_t chunk = 256 << 10;
  std::string part1(2 * chunk, 'a'), part2(chunk + 5, 'b');
  f.fake->Push({Status::Ok(), 308, {{"range", "bytes=0-" + std::to_string(2 * chunk - 1)}}, ""});
  REQUIRE((*upload)->UploadPart(1, 0, Bytes(part1)).ok());
  const HttpRequest& first = f.fake->requests.at(1);
  CHECK(first.method == "PUT");
  CHECK(first.url == kSession);
  CHECK(HeaderOf(first, "content-range") == "bytes 0-" + std::to_string(2 * chunk - 1) + "/*");
  CHECK(HeaderOf(first, "content-type") == "application/octet-stream");
  CHECK(first.payload.size() == 2 * chunk);

  // The server persisted only part of the next chunk: the rest is sent again.
  f.fake->Push({Status::Ok(), 308, {{"range", "bytes=0-" + std::to_string(2 * chunk + 99)}}, ""});
  f.fake->Push({Status::Ok(), 308, {{"range", "bytes=0-" + std::to_string(3 * chunk - 1)}}, ""});
  REQUIRE((*upload)->UploadPart(2, 2 * chunk, Bytes(part2)).ok());
  REQUIRE(f.fake->requests.size() == 4);
  CHECK(HeaderOf(f.fake->requests[2], "content-range") ==
        "bytes " + std::to_string(2 * chunk) + "-" + std::to_string(3 * chunk - 1) + "/*");
  CHECK(HeaderOf(f.fake->requests[3], "content-range") ==
        "bytes " + std::to_string(2 * chunk + 100) + "-" + std::to_string(3 * chunk - 1) + "/*");
  CHECK(f.fake->requests[3].payload.size() == chunk - 100);

  // A part that is not whole chunks must be the last.
  CHECK((*upload)->UploadPart(3, 3 * chunk + 5, Bytes("x")).code() == StatusCode::kInvalidArgument);

  // The last 5 bytes (kept back) go with the total and the object's crc32c.
  const std::string all = part1 + part2;
  const uint64_t total = all.size();
  f.fake->Push({Status::Ok(), 200, {}, ObjectJson("big", total, Crc(all), "99")});
  auto info = (*upload)->Commit(2, total);
  REQUIRE(info.ok());
  CHECK(info->key == "big");
  CHECK(info->size == total);
  CHECK(info->version == "99");
  const HttpRequest& last = f.fake->requests.back();
  CHECK(last.method == "PUT");
  CHECK(last.url == kSession);
  CHECK(HeaderOf(last, "content-range") == "bytes " + std::to_string(3 * chunk) + "-" +
                                               std::to_string(total - 1) + "/" +
                                               std::to_string(total));
  CHECK(HeaderOf(last, "x-goog-hash") == "crc32c=" + Crc(all));
  CHECK(std::string(reinterpret_cast<const char*>(last.payload.data()), last.payload.size()) ==
        "bbbbb");
}

TEST_CASE("GcsStore upload: whole-chunk parts finish with an empty bytes */TOTAL",
          "[gcs][writes]") {
  Fixture f;
  f.fake->Push({Status::Ok(), 200, {{"location", kSession}}, ""});
  auto upload = f.store->StartUpload("k", {});
  REQUIRE(upload.ok());
  CHECK(f.fake->requests.at(0).url.find("ifGenerationMatch") == std::string::npos);
  const std::string part(256 << 10, 'z');
  f.fake->Push({Status::Ok(), 308, {{"range", "bytes=0-262143"}}, ""});
  REQUIRE((*upload)->UploadPart(1, 0, Bytes(part)).ok());

  SECTION("committed") {
    f.fake->Push(Ok(ObjectJson("k", part.size(), Crc(part))));
    REQUIRE((*upload)->Commit(1, part.size()).ok());
    const HttpRequest& last = f.fake->requests.back();
    CHECK(HeaderOf(last, "content-range") == "bytes */262144");
    CHECK(last.payload.empty());
  }
  SECTION("412 at the final request is kAlreadyExists") {
    f.fake->Push({Status::Ok(), 412, {}, ""});
    CHECK((*upload)->Commit(1, part.size()).status().code() == StatusCode::kAlreadyExists);
  }
  SECTION("a total that is not what was sent is refused before any request") {
    CHECK((*upload)->Commit(1, part.size() + 1).status().code() == StatusCode::kInternal);
    CHECK(f.fake->requests.size() == 2);
  }
  SECTION("a server CRC-32C that disagrees deletes the object") {
    f.fake->Push(Ok(ObjectJson("k", part.size(), Crc("nope"), "7")));
    f.fake->Push({Status::Ok(), 204, {}, ""});
    CHECK((*upload)->Commit(1, part.size()).status().code() == StatusCode::kDataLoss);
    CHECK(f.fake->requests.back().url.ends_with("/o/k?ifGenerationMatch=7"));
  }
  SECTION("abort deletes the session; 499 is its answer") {
    f.fake->Push({Status::Ok(), 499, {}, ""});
    CHECK((*upload)->Abort().ok());
    CHECK(f.fake->requests.back().method == "DELETE");
    CHECK(f.fake->requests.back().url == kSession);
  }
}

TEST_CASE("GcsStore upload: a server that finalizes at the first chunk (the emulator)",
          "[gcs][writes]") {
  Fixture f(/*emulator=*/true);
  f.fake->Push(
      {Status::Ok(), 200, {{"location", "http://127.0.0.1:9199/upload/s?upload_id=E"}}, ""});
  auto upload = f.store->StartUpload("k", {});
  REQUIRE(upload.ok());
  CHECK(HeaderOf(f.fake->requests.at(0), "authorization").empty());
  const std::string part(256 << 10, 'q');
  f.fake->Push(Ok(ObjectJson("k", part.size(), Crc(part), "5")));
  REQUIRE((*upload)->UploadPart(1, 0, Bytes(part)).ok());

  SECTION("one part: the commit is that object") {
    auto info = (*upload)->Commit(1, part.size());
    REQUIRE(info.ok());
    CHECK(info->version == "5");
    CHECK(f.fake->requests.size() == 2);
  }
  SECTION("a second part is refused and the early object deleted") {
    f.fake->Push({Status::Ok(), 204, {}, ""});
    Status second = (*upload)->UploadPart(2, part.size(), Bytes(part));
    CHECK(second.code() == StatusCode::kUnimplemented);
    CHECK(second.message().find("partial object was deleted") != std::string::npos);
    CHECK(f.fake->requests.back().url ==
          "http://127.0.0.1:9199/storage/v1/b/bkt/o/k?ifGenerationMatch=5");
    CHECK((*upload)->Abort().ok());
    CHECK(f.fake->requests.size() == 3);
  }
}

TEST_CASE("GcsStore Delete: objects.delete; 404 is kNotFound", "[gcs][writes]") {
  Fixture f;
  f.fake->Push({Status::Ok(), 204, {}, ""});
  REQUIRE(f.store->Delete("a b").ok());
  CHECK(f.fake->requests.at(0).method == "DELETE");
  CHECK(f.fake->requests.at(0).kind == RequestKind::kDelete);
  CHECK(f.fake->requests.at(0).url == std::string(kBase) + "/storage/v1/b/bkt/o/a%20b");
  f.fake->Push({Status::Ok(), 404, {}, R"({"error":{"code":404,"message":"No such object"}})"});
  CHECK(f.store->Delete("a b").code() == StatusCode::kNotFound);
}

TEST_CASE("GcsStore Copy: objects.rewrite pinned to the source generation, continued by token",
          "[gcs][writes]") {
  Fixture f;
  f.fake->Push(Ok(R"({"kind":"storage#rewriteResponse","done":false,"rewriteToken":"T1"})"));
  f.fake->Push(Ok(R"({"done":true,"resource":)" + ObjectJson("dst", 3, Crc("abc"), "8") + "}"));
  auto copied =
      f.store->Copy("src/a", {.if_match = "", .version = "42"}, "dst", {.if_none_match = true});
  REQUIRE(copied.ok());
  CHECK(copied->key == "dst");
  CHECK(copied->size == 3);
  CHECK(copied->version == "8");
  REQUIRE(f.fake->requests.size() == 2);
  CHECK(f.fake->requests[0].method == "POST");
  CHECK(f.fake->requests[0].url == std::string(kBase) +
                                       "/storage/v1/b/bkt/o/src%2Fa/rewriteTo/b/bkt/o/dst"
                                       "?ifGenerationMatch=0&ifSourceGenerationMatch=42");
  CHECK(f.fake->requests[1].url.ends_with("&rewriteToken=T1"));
  CHECK(HeaderOf(f.fake->requests[0], "content-type") == "application/json; charset=UTF-8");

  SECTION("412: the destination exists, or else the source changed") {
    f.fake->Push({Status::Ok(), 412, {}, ""});
    f.fake->Push(Ok(ObjectJson("dst", 3, Crc("abc"))));  // the Stat of the destination
    CHECK(f.store->Copy("s", {.if_match = "", .version = "42"}, "dst", {.if_none_match = true})
              .status()
              .code() == StatusCode::kAlreadyExists);
    f.fake->Push({Status::Ok(), 412, {}, ""});
    CHECK(f.store->Copy("s", {.if_match = "", .version = "42"}, "dst", {}).status().code() ==
          StatusCode::kObjectChanged);
  }
}

TEST_CASE(
    "GcsStore capabilities: in-order parts of 256 KiB multiples; the emulator decides no "
    "no-overwrite",
    "[gcs][writes]") {
  const StoreCapabilities caps = Fixture().store->Capabilities();
  CHECK(caps.write);
  CHECK(caps.remove);
  CHECK(caps.server_side_copy);
  CHECK(caps.conditional_create);
  CHECK(caps.versioned);
  CHECK(!caps.parallel_parts);
  CHECK(!caps.list_uploads);
  CHECK(caps.min_part_size % (256 << 10) == 0);
  CHECK(caps.min_part_size >= (256 << 10));
  CHECK(!Fixture(true).store->Capabilities().conditional_create);
}

TEST_CASE("GcsStore Copy on the emulator: its /b/ path, and the source pin checked first",
          "[gcs][writes]") {
  Fixture f(/*emulator=*/true);
  f.fake->Push(Ok(ObjectJson("src", 3, Crc("abc"), "42")));  // Stat: still generation 42
  f.fake->Push(Ok(R"({"done":true,"resource":)" + ObjectJson("dst", 3, Crc("abc"), "9") + "}"));
  REQUIRE(f.store->Copy("src", {.if_match = "", .version = "42"}, "dst", {}).ok());
  CHECK(f.fake->requests.at(1).url ==
        "http://127.0.0.1:9199/b/bkt/o/src/rewriteTo/b/bkt/o/dst?ifSourceGenerationMatch=42");
  f.fake->Push(Ok(ObjectJson("src", 3, Crc("abc"), "43")));  // replaced since
  CHECK(f.store->Copy("src", {.if_match = "", .version = "42"}, "dst", {}).status().code() ==
        StatusCode::kObjectChanged);
  CHECK(f.fake->requests.size() == 3);
}
