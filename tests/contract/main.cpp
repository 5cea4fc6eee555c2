// store_contract ROOT_URI DATA_DIR: runs the store contract against the store
// serving ROOT_URI (credentials and endpoints from the environment, as the CLI
// takes them). DATA_DIR holds the dataset's files under their keys; the store
// holds the same bytes under ROOT_URI's key. Prints each failure; exit 1 if any.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "contract/store_contract.hpp"
#include "core/client_core.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: store_contract ROOT_URI DATA_DIR\n";
    return 2;
  }
  using namespace objectfs;
  auto uri = ParseUri(argv[1]);
  if (!uri.ok()) {
    std::cerr << uri.status().ToString() << "\n";
    return 2;
  }
  contract::Dataset data;
  data.prefix = uri->key.empty() || uri->key.ends_with('/') ? uri->key : uri->key + "/";
  const std::filesystem::path dir = argv[2];
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    data.objects[entry.path().lexically_relative(dir).string()] = bytes.str();
  }
  internal::ClientCore core{ClientOptions{}};
  auto store = core.StoreFor(*uri);
  if (!store.ok()) {
    std::cerr << store.status().ToString() << "\n";
    return 1;
  }
  const auto failures = contract::RunStoreContract(**store, data);
  for (const auto& failure : failures) std::cout << "FAILED: " << failure << "\n";
  std::cout << (failures.empty() ? "store contract kept by " : "store contract broken by ")
            << (*store)->Describe() << "\n";
  return failures.empty() ? 0 : 1;
}
