// The YAML config file (`--config FILE`, OBJECTFS_CONFIG): a flat mapping of
// option names to scalar values, read with yaml-cpp.
#pragma once

#include <string>
#include <vector>

#include "objectfs/status.hpp"

namespace objectfs::internal {

struct ConfigEntry {
  std::string key;
  std::string value;  // the scalar as written; "" for a null value
  int line = 0;       // 1-based, for errors
};

// Entries in file order. Errors name the file (and the line of a YAML syntax
// error, a non-scalar value or a key given twice); keys are not checked here.
Result<std::vector<ConfigEntry>> LoadConfigFile(const std::string& path);

}  // namespace objectfs::internal
