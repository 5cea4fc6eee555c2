// The one description of every ClientOptions setting. The CLI flags, the
// mount's `-o key=value`, Python's Client(**kwargs), the environment, the YAML
// config file and the README's option table are all read from Options().
// Embedders may keep setting ClientOptions fields directly; these functions
// only turn text into those fields. Everything here is thread-safe (the schema
// is immutable; the functions read the environment only through the lookup given).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "objectfs/options.hpp"
#include "objectfs/status.hpp"

namespace objectfs {

enum class OptionType {
  kString,
  kBool,     // true/false, yes/no, on/off, 1/0; an empty value (a bare flag) is true
  kInt,      // decimal integer
  kSize,     // bytes: 4096, 512K, 8M, 1G, 2T (K/M/G/T and KiB/MiB/GiB/TiB are powers of 1024)
  kSeconds,  // 2.5, 30s, 500ms, 2m, 1h
};

// Where a value lands in ClientOptions.
using OptionField = std::variant<std::string*, bool*, int*, long*, uint64_t*,
                                 std::chrono::milliseconds*, std::chrono::seconds*>;

struct OptionInfo {
  std::string_view name;  // underscore form: -o key, Python kwarg, config-file key
  OptionType type;
  std::string_view group;  // "S3", "Google Cloud Storage", ...: help and README sections
  std::string_view help;   // one line
  // Environment variables, first set one wins. When `env_read_by_library`, the
  // library itself falls back to them when the option is unset (keeping the
  // credential chains' order and their error messages); otherwise the
  // variable is applied by BuildClientOptions.
  std::array<std::string_view, 2> env{};
  bool env_read_by_library = false;
  // Another accepted spelling, e.g. Azure CLI's `account_name` (`--account-name`).
  std::string_view alias{};
  std::string_view value_name{};  // help placeholder, e.g. "URL"; empty: by type
  // How the default reads when the field's default is 0 or empty ("auto",
  // "10G"); empty: the default value itself is shown.
  std::string_view zero_means{};
  OptionField (*field)(ClientOptions&) = nullptr;

  // "--part-size" and, for aliases, "--account-name".
  std::string Flag() const;
  std::string AliasFlag() const;
  // value_name, else "SIZE", "SECONDS", "N", "TEXT" by type; empty for kBool.
  std::string_view ValueName() const;
  // The default as text, e.g. "8M", "5", "auto", "false"; "" for unset strings.
  std::string DefaultText() const;
};

// Every option, in the order of `objectfs --help`.
std::span<const OptionInfo> Options();

// By name or alias; '-' and '_' are the same. nullptr when unknown.
const OptionInfo* FindOption(std::string_view name);

// Parses `text` as the option's type and stores it. Errors name the option and
// the bad value (never for strings, which may be secrets, and never fail).
Status SetOption(ClientOptions& options, std::string_view name, std::string_view text);

// Range and cross-field checks; Client::Create runs them, so every front sees the
// same messages (which name options by their schema name).
Status ValidateOptions(const ClientOptions& options);

using OptionEnv = std::function<std::optional<std::string>(std::string_view name)>;

// The layers of one Client's options. Precedence: explicit values (flags, -o,
// keyword arguments) > environment > config file > default.
struct OptionSources {
  // name -> text, applied in order (a later value of the same option wins).
  std::vector<std::pair<std::string, std::string>> values;
  // A YAML mapping of option names to values; empty: $OBJECTFS_CONFIG, if set.
  std::string config_file;
  // Environment lookup; empty: the process environment.
  OptionEnv env;
};

// Builds ClientOptions from the layers; errors name the option and the value's
// source (the flag, the variable, or the file and line). Does not validate:
// Client::Create does.
Result<ClientOptions> BuildClientOptions(const OptionSources& sources);

// The options as Markdown tables, one per group (the README's option table).
std::string OptionsMarkdown();

}  // namespace objectfs
