// The C++ API against a real Ceph RGW (which checks SigV4), with fixtures
// uploaded by boto3 (tests/servers/s3_fixtures.py).
#define CATCH_CONFIG_MAIN
#include <openssl/evp.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "core/client_core.hpp"  // the store itself, for the raw 416 check
#include "integration/test_env.hpp"
#include "objectfs/objectfs.hpp"

using namespace objectfs;
using objectfs::testing::LoadRgwEnv;

namespace {

const char* kBucket = "objectfs-test";

ClientOptions RgwOptions(const objectfs::testing::RgwEnv& env) {
  ClientOptions options;
  options.s3.endpoint_url = env.Get("RGW_ENDPOINT");
  options.s3.access_key_id = env.Get("RGW_ACCESS_KEY");
  options.s3.secret_access_key = env.Get("RGW_SECRET_KEY");
  options.s3.region = "us-east-1";
  return options;
}

std::shared_ptr<Client> MakeClient(ClientOptions options) {
  auto client = Client::Create(std::move(options));
  REQUIRE(client.ok());
  return *client;
}

std::string ReadLocal(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

nlohmann::json Manifest(const objectfs::testing::RgwEnv& env) {
  std::ifstream in(env.Get("RGW_FIXTURES") + "/manifest.json");
  return nlohmann::json::parse(in);
}

std::string AsString(const std::vector<std::byte>& bytes, size_t n) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), n);
}

// Uploads through the independent client, so the object changes behind our back.
void PutWithBoto(const objectfs::testing::RgwEnv& env, const std::string& key,
                 const std::string& file) {
  const std::string command = "/usr/bin/python3 " + env.Get("RGW_FIXTURES_SCRIPT") + " " +
                              env.Get("RGW_ENV_FILE") + " put " + kBucket + " '" + key + "' " +
                              file + " > /dev/null";
  REQUIRE(std::system(command.c_str()) == 0);
}

}  // namespace

TEST_CASE("every fixture object reads back byte-identical to what boto3 uploaded", "[rgw]") {
  auto env = LoadRgwEnv();
  ClientOptions options = RgwOptions(env);
  options.read.part_size = 1 << 20;  // many parts: exercises the parallel path
  auto client = MakeClient(options);
  const nlohmann::json manifest = Manifest(env);
  for (auto it = manifest.begin(); it != manifest.end(); ++it) {
    const std::string& key = it.key();
    const nlohmann::json& entry = it.value();
    // The 1100 tiny listing keys add nothing here but time: keep every 100th.
    if (entry.contains("skipped") || (key.starts_with("many/") && !key.ends_with("00"))) continue;
    INFO(key);
    auto file = client->Open(std::string("s3://") + kBucket + "/" + key);
    REQUIRE(file.ok());
    const std::string expected = ReadLocal(entry["file"]);
    REQUIRE((*file)->Size() == expected.size());
    CHECK((*file)->ETag() == entry["etag"].get<std::string>());
    std::vector<std::byte> buffer(expected.size() + 1);
    REQUIRE((*file)->ReadInto(buffer).ok());
    CHECK(AsString(buffer, expected.size()) == expected);
  }
  CHECK(client->Stats().retries == 0);
}

TEST_CASE("random preads from many threads match the source", "[rgw]") {
  auto env = LoadRgwEnv();
  ClientOptions options = RgwOptions(env);
  options.read.part_size = 256 << 10;
  auto client = MakeClient(options);
  auto manifest = Manifest(env);
  const std::string expected = ReadLocal(manifest["big.bin"]["file"]);
  auto file = client->Open(std::string("s3://") + kBucket + "/big.bin");
  REQUIRE(file.ok());
  std::atomic<int> mismatches{0}, failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(t);
      std::vector<std::byte> buffer(3 << 20);
      for (int i = 0; i < 20; ++i) {
        const uint64_t offset = rng() % expected.size();
        const size_t length = 1 + rng() % buffer.size();
        auto n = (*file)->PRead(offset, std::span(buffer).first(length));
        if (!n.ok()) {
          ++failures;
          continue;
        }
        const size_t want = std::min<uint64_t>(length, expected.size() - offset);
        if (*n != want || AsString(buffer, *n) != expected.substr(offset, *n)) ++mismatches;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(failures == 0);
  CHECK(mismatches == 0);
}

TEST_CASE("reads at and past the end", "[rgw]") {
  auto env = LoadRgwEnv();
  auto client = MakeClient(RgwOptions(env));
  auto file = client->Open(std::string("s3://") + kBucket + "/hello.txt");
  REQUIRE(file.ok());
  std::vector<std::byte> buffer(64);
  auto last = (*file)->PRead((*file)->Size() - 1, buffer);
  REQUIRE(last.ok());
  CHECK(*last == 1);
  CHECK(static_cast<char>(buffer[0]) == '\n');
  auto past = (*file)->PRead((*file)->Size() + 10, buffer);
  REQUIRE(past.ok());
  CHECK(*past == 0);

  // Straight to the store, a range past the end is the server's 416.
  internal::ClientCore core(RgwOptions(env));
  auto store = core.StoreFor(*ParseUri(std::string("s3://") + kBucket));
  REQUIRE(store.ok());
  auto out_of_range = (*store)->Read("hello.txt", {1000, 10}, buffer, {});
  CHECK(out_of_range.status().code() == StatusCode::kOutOfRange);

  auto empty = client->Open(std::string("s3://") + kBucket + "/empty");
  REQUIRE(empty.ok());
  CHECK((*empty)->Size() == 0);
  auto zero = (*empty)->PRead(0, buffer);
  REQUIRE(zero.ok());
  CHECK(*zero == 0);
}

TEST_CASE("an object replaced after open is reported, never mixed", "[rgw]") {
  auto env = LoadRgwEnv();
  auto client = MakeClient(RgwOptions(env));
  const std::string dir = env.Get("RGW_DIR");
  const std::string v1 = dir + "/replace-v1", v2 = dir + "/replace-v2";
  const size_t size = 24 << 20;
  std::ofstream(v1, std::ios::binary) << std::string(size, 'a');
  std::ofstream(v2, std::ios::binary) << std::string(size, 'b');
  PutWithBoto(env, "replace-me.bin", v1);
  auto file = client->Open(std::string("s3://") + kBucket + "/replace-me.bin");
  REQUIRE(file.ok());
  std::vector<std::byte> buffer(size);
  auto first = (*file)->PRead(0, std::span(buffer).first(1 << 20));
  REQUIRE(first.ok());
  CHECK(AsString(buffer, 1) == "a");

  PutWithBoto(env, "replace-me.bin", v2);
  // Bytes already cached under the old ETag may still be served, but only old
  // bytes: anything fetched now must fail If-Match.
  auto cached_or_error = (*file)->PRead(20 << 20, std::span(buffer).first(1 << 20));
  if (cached_or_error.ok()) {
    CHECK(AsString(buffer, *cached_or_error) == std::string(*cached_or_error, 'a'));
  } else {
    CHECK(cached_or_error.status().code() == StatusCode::kObjectChanged);
  }
  Status whole = (*file)->ReadInto(buffer);  // the direct path: straight from the server
  REQUIRE_FALSE(whole.ok());
  CHECK(whole.code() == StatusCode::kObjectChanged);
  CHECK_THAT(whole.message(), Catch::Contains("s3://objectfs-test/replace-me.bin"));

  auto reopened = client->Open(std::string("s3://") + kBucket + "/replace-me.bin");
  REQUIRE(reopened.ok());
  REQUIRE((*reopened)->ReadInto(buffer).ok());
  CHECK(AsString(buffer, size) == std::string(size, 'b'));
}

TEST_CASE("Open with a Stat result sends no request and pins that ETag", "[rgw]") {
  auto env = LoadRgwEnv();
  auto client = MakeClient(RgwOptions(env));
  const std::string dir = env.Get("RGW_DIR");
  const std::string path = dir + "/open-with-stat";
  const size_t size = 3 << 20;
  std::ofstream(path, std::ios::binary) << std::string(size, 'c');
  PutWithBoto(env, "open-with-stat.bin", path);
  const std::string uri = std::string("s3://") + kBucket + "/open-with-stat.bin";

  auto info = client->Stat(uri);
  REQUIRE(info.ok());
  auto file = client->Open(uri, *info);
  REQUIRE(file.ok());
  CHECK(client->Stats().head_requests == 1);  // Stat's, none for the open
  CHECK((*file)->ETag() == info->etag);
  std::vector<std::byte> buffer(size);
  REQUIRE((*file)->ReadInto(buffer).ok());
  CHECK(AsString(buffer, size) == std::string(size, 'c'));

  // The ETag given is the one every GET sends as If-Match.
  ObjectInfo stale = *info;
  stale.etag = "\"00000000000000000000000000000000\"";
  auto wrong = client->Open(uri, stale);
  REQUIRE(wrong.ok());
  Status status = (*wrong)->ReadInto(buffer);
  REQUIRE_FALSE(status.ok());
  CHECK(status.code() == StatusCode::kObjectChanged);
  CHECK(client->Stats().head_requests == 1);
}

TEST_CASE("listing pages through more than 1000 keys", "[rgw]") {
  auto env = LoadRgwEnv();
  auto client = MakeClient(RgwOptions(env));
  std::string token;
  size_t keys = 0, pages = 0;
  do {
    auto page = client->List(std::string("s3://") + kBucket + "/many/", "/", token);
    REQUIRE(page.ok());
    keys += page->objects.size();
    ++pages;
    token = page->next_page_token;
  } while (!token.empty());
  CHECK(keys == 1100);
  CHECK(pages == 2);
  CHECK(client->Stats().list_requests == 2);
}

TEST_CASE("two Clients in one process do not share state", "[rgw]") {
  auto env = LoadRgwEnv();
  auto good = MakeClient(RgwOptions(env));
  ClientOptions bad_options = RgwOptions(env);
  bad_options.s3.secret_access_key = "wrong-secret";
  auto bad = MakeClient(bad_options);
  const std::string uri = std::string("s3://") + kBucket + "/hello.txt";
  auto denied = bad->Stat(uri);
  CHECK(denied.status().code() == StatusCode::kPermissionDenied);
  CHECK_THAT(denied.status().message(), Catch::Contains("explicit options"));
  CHECK_THAT(denied.status().message(), !Catch::Contains("wrong-secret"));
  CHECK(good->Stat(uri).ok());
  CHECK(good->Stats().head_requests == 1);
}
