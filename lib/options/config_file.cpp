#include "options/config_file.hpp"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

namespace objectfs::internal {
namespace {

Status AtLine(const std::string& path, int line, const std::string& message) {
  return InvalidArgument("config file " + path + ", line " + std::to_string(line) + ": " + message);
}

Result<std::string> ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return NotFound("config file " + path + ": cannot open: " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// yaml-cpp reports errors by exception; they stop here.
Result<YAML::Node> Parse(const std::string& path, const std::string& text) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return AtLine(path, e.mark.line + 1, "YAML syntax error: " + e.msg);
  }
}

}  // namespace

Result<std::vector<ConfigEntry>> LoadConfigFile(const std::string& path) {
  OBJECTFS_ASSIGN_OR_RETURN(std::string text, ReadAll(path));
  OBJECTFS_ASSIGN_OR_RETURN(YAML::Node root, Parse(path, text));
  std::vector<ConfigEntry> entries;
  if (root.IsNull()) return entries;  // an empty file sets nothing
  if (!root.IsMap()) {
    return InvalidArgument("config file " + path +
                           ": expected a mapping of option names to values, e.g. "
                           "'part_size: 16M'");
  }
  std::set<std::string> seen;
  for (const auto& item : root) {
    const int line = item.first.Mark().line + 1;
    if (!item.first.IsScalar()) return AtLine(path, line, "expected an option name");
    ConfigEntry entry{item.first.Scalar(), "", line};
    if (item.second.IsScalar()) {
      entry.value = item.second.Scalar();
    } else if (!item.second.IsNull()) {
      return AtLine(path, line, entry.key + ": expected a single value, not a list or mapping");
    }
    if (!seen.insert(entry.key).second) {
      return AtLine(path, line, entry.key + " is given twice");
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

}  // namespace objectfs::internal
