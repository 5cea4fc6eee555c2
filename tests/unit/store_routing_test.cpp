// ClientCore::CreateStore picks the store from the URI: az://, Azure account
// hosts over https, plain http(s) URLs.
#include <catch2/catch.hpp>
#include <map>

#include "core/client_core.hpp"

using namespace objectfs;
using namespace objectfs::internal;

namespace {

EnvLookup Env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
}

std::string Describe(ClientCore& core, std::string_view uri) {
  auto parsed = ParseUri(uri);
  REQUIRE(parsed.ok());
  auto store = core.StoreFor(*parsed);
  REQUIRE(store.ok());
  return (*store)->Describe();
}

}  // namespace

TEST_CASE("URIs route to the Azure, HTTP and Azure-account stores", "[azure][http]") {
  ClientCore core(ClientOptions{}, Env({{"AZURE_STORAGE_ACCOUNT", "acct"}}));
  CHECK(Describe(core, "az://container/blob") == "az://container");
  CHECK(Describe(core, "https://MyAcct.blob.core.windows.net/c/b") ==
        "https://MyAcct.blob.core.windows.net");
  CHECK(Describe(core, "https://example.com/a/b.bin?sig=1") == "https://example.com");
  CHECK(Describe(core, "http://127.0.0.1:8080/x") == "http://127.0.0.1:8080");
}

TEST_CASE("az:// without any account configured is a clear error", "[azure]") {
  ClientCore core(ClientOptions{}, Env({}));
  auto store = core.StoreFor(*ParseUri("az://container/blob"));
  REQUIRE(!store.ok());
  CHECK(store.status().message().find("AZURE_STORAGE_CONNECTION_STRING") != std::string::npos);
}
