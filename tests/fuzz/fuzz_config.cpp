// The YAML config file (through a temporary file: LoadConfigFile reads a path).
#include <unistd.h>

#include <cstdio>
#include <string>

#include "fuzz_common.hpp"
#include "options/config_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/tmp/objectfs-fuzz-config-" + std::to_string(::getpid());
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  (void)objectfs::internal::LoadConfigFile(path);
  return 0;
}
