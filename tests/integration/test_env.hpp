// Reads the env file written by tests/servers/rgw_fixture.sh so C++ tests can
// reach the Ceph RGW that ctest started.
#pragma once

#include <cstdlib>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>

namespace objectfs::testing {

struct RgwEnv {
  std::map<std::string, std::string> values;
  std::string Get(const std::string& name) const {
    auto it = values.find(name);
    if (it == values.end()) throw std::runtime_error("missing " + name + " in the RGW env file");
    return it->second;
  }
};

inline RgwEnv LoadRgwEnv() {
  const char* path = std::getenv("OBJECTFS_TEST_ENV");
  if (path == nullptr) throw std::runtime_error("OBJECTFS_TEST_ENV is not set (run through ctest)");
  std::ifstream in(path);
  if (!in) throw std::runtime_error(std::string("cannot read ") + path);
  RgwEnv env;
  std::string line;
  while (std::getline(in, line)) {
    const size_t eq = line.find('=');
    if (eq == std::string::npos || line.starts_with("#")) continue;
    std::string value = line.substr(eq + 1);
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'')) {
      value = value.substr(1, value.size() - 2);
    }
    env.values[line.substr(0, eq)] = value;
  }
  return env;
}

}  // namespace objectfs::testing
