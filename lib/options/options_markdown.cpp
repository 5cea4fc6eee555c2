// OptionsMarkdown: the README's option table, generated from the schema
// (`objectfs options --markdown`; a unit test compares it with README.md).
#include "objectfs/option_schema.hpp"

namespace objectfs {
namespace {

std::string Code(std::string_view text) { return "`" + std::string(text) + "`"; }

std::string FlagCell(const OptionInfo& info) {
  std::string flag = info.Flag();
  if (!info.ValueName().empty()) flag += " " + std::string(info.ValueName());
  std::string cell = Code(flag);
  if (!info.alias.empty()) cell += ", " + Code(info.AliasFlag());
  return cell;
}

std::string EnvCell(const OptionInfo& info) {
  std::string cell;
  for (std::string_view name : info.env) {
    if (name.empty()) continue;
    if (!cell.empty()) cell += ", ";
    cell += Code(name);
  }
  return cell;
}

std::string DefaultCell(const OptionInfo& info) {
  const std::string text = info.DefaultText();
  return text.empty() || text == "false" ? "" : Code(text);
}

}  // namespace

std::string OptionsMarkdown() {
  std::string out;
  std::string_view group;
  for (const OptionInfo& info : Options()) {
    if (info.group != group) {
      group = info.group;
      if (!out.empty()) out += "\n";
      out += "**" + std::string(group) + "**\n\n";
      out += "| flag | default | environment | meaning |\n|---|---|---|---|\n";
    }
    out += "| " + FlagCell(info) + " | " + DefaultCell(info) + " | " + EnvCell(info) + " | " +
           std::string(info.help) + " |\n";
  }
  return out;
}

}  // namespace objectfs
