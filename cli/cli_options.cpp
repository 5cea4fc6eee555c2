#include "cli_options.hpp"

#include <unistd.h>

#include <iostream>

namespace objectfs::cli {
namespace {

std::string HelpOf(const OptionInfo& info) {
  std::string help(info.help);
  std::string env;
  for (std::string_view name : info.env) {
    if (!name.empty()) env += (env.empty() ? "" : ", ") + std::string(name);
  }
  if (!env.empty()) help += " [env: " + env + "]";
  return help;
}

void AddOption(CLI::App& app, CommonOptions& o, const OptionInfo& info) {
  std::string names = info.Flag();
  if (!info.alias.empty()) names += "," + info.AliasFlag();
  const std::string name(info.name);
  CLI::Option* option = nullptr;
  if (info.type == OptionType::kBool) {
    option = app.add_flag_function(
        names,
        [&o, name](int64_t count) { o.sources.values.emplace_back(name, count > 0 ? "1" : "0"); },
        HelpOf(info));
  } else {
    option = app.add_option_function<std::string>(
        names, [&o, name](const std::string& value) { o.sources.values.emplace_back(name, value); },
        HelpOf(info));
    option->type_name(std::string(info.ValueName()));
    if (const std::string def = info.DefaultText(); !def.empty()) option->default_str(def);
  }
  option->group(std::string(info.group) + " options");
}

}  // namespace

void AddCommonOptions(CLI::App& app, CommonOptions& o) {
  app.add_option("--config", o.sources.config_file,
                 "YAML file of options, keys named as below with underscores, e.g. "
                 "'part_size: 16M'; flags and the environment win over it [env: OBJECTFS_CONFIG]");
  for (const OptionInfo& info : Options()) AddOption(app, o, info);
  app.add_flag("--stats", o.print_stats,
               "print request and byte counters and the run's estimated cost to stderr on exit");
  app.add_flag("--json", o.stats_json, "with --stats: print them as one JSON object");
}

Result<ClientOptions> BuildClientOptions(const CommonOptions& o) {
  OBJECTFS_ASSIGN_OR_RETURN(ClientOptions client, objectfs::BuildClientOptions(o.sources));
  // The mount changes its working directory when it goes to the background.
  if (!client.cache_dir.empty() && client.cache_dir[0] != '/') {
    char cwd[4096];
    if (::getcwd(cwd, sizeof(cwd)) != nullptr) client.cache_dir = cwd + ("/" + client.cache_dir);
  }
  return client;
}

CLI::App* AddOptionsCommand(CLI::App& app, bool& markdown) {
  auto* cmd = app.add_subcommand("options", "list every option with its default and variables");
  cmd->group("");  // hidden: for docs and tests
  cmd->add_flag("--markdown", markdown, "the README's option table");
  return cmd;
}

int RunOptions(bool markdown) {
  if (markdown) {
    std::cout << OptionsMarkdown();
    return 0;
  }
  for (const OptionInfo& info : Options()) {
    std::cout << info.name << " (" << info.Flag() << ")  default: " << info.DefaultText()
              << "\n    " << HelpOf(info) << "\n";
  }
  return 0;
}

}  // namespace objectfs::cli
