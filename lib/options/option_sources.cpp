// BuildClientOptions: default < config file < environment < explicit values.
#include "objectfs/option_schema.hpp"
#include "options/config_file.hpp"
#include "util/env.hpp"

namespace objectfs {
namespace {

constexpr std::string_view kConfigVariable = "OBJECTFS_CONFIG";

std::optional<std::string> Lookup(const OptionEnv& env, std::string_view name) {
  auto value = env(name);
  if (value && value->empty()) return std::nullopt;  // empty counts as unset, as in the AWS SDKs
  return value;
}

// The first of the option's variables that is set, with its name.
std::optional<std::pair<std::string_view, std::string>> EnvValue(const OptionEnv& env,
                                                                 const OptionInfo& info) {
  for (std::string_view name : info.env) {
    if (name.empty()) continue;
    if (auto value = Lookup(env, name)) return std::make_pair(name, std::move(*value));
  }
  return std::nullopt;
}

Status ApplyFile(ClientOptions& options, const std::string& path, const OptionEnv& env) {
  OBJECTFS_ASSIGN_OR_RETURN(auto entries, internal::LoadConfigFile(path));
  for (const auto& entry : entries) {
    const std::string where = "config file " + path + ", line " + std::to_string(entry.line);
    const OptionInfo* info = FindOption(entry.key);
    if (info == nullptr) {
      return InvalidArgument(where + ": unknown option '" + entry.key +
                             "' (see objectfs --help for the names)");
    }
    // The library reads these variables itself when the option is unset: leaving
    // the option unset is how the environment outranks the file.
    if (info->env_read_by_library && EnvValue(env, *info)) continue;
    OBJECTFS_RETURN_IF_ERROR(SetOption(options, info->name, entry.value).WithContext(where));
  }
  return Status::Ok();
}

Status ApplyEnvironment(ClientOptions& options, const OptionEnv& env) {
  for (const OptionInfo& info : Options()) {
    if (info.env_read_by_library) continue;
    auto value = EnvValue(env, info);
    if (!value) continue;
    OBJECTFS_RETURN_IF_ERROR(SetOption(options, info.name, value->second)
                                 .WithContext("environment variable " + std::string(value->first)));
  }
  return Status::Ok();
}

}  // namespace

Result<ClientOptions> BuildClientOptions(const OptionSources& sources) {
  const OptionEnv env = sources.env ? sources.env : internal::ProcessEnv();
  ClientOptions options;
  std::string file = sources.config_file;
  if (file.empty()) file = Lookup(env, kConfigVariable).value_or("");
  if (!file.empty()) OBJECTFS_RETURN_IF_ERROR(ApplyFile(options, file, env));
  OBJECTFS_RETURN_IF_ERROR(ApplyEnvironment(options, env));
  for (const auto& [name, text] : sources.values) {
    OBJECTFS_RETURN_IF_ERROR(SetOption(options, name, text));
  }
  return options;
}

}  // namespace objectfs
