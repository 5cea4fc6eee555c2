// The mount's log: one line per event, to stderr (foreground) or a --log-file.
#pragma once

#include <string>
#include <string_view>

namespace objectfs::mount {

enum class LogLevel { kError = 0, kWarn = 1, kInfo = 2, kDebug = 3 };

// "error", "warn", "info", "debug" -> level; false when unknown.
bool ParseLogLevel(std::string_view text, LogLevel* level);

// Sends later lines to `path` (appending); empty keeps stderr. Returns false and
// leaves stderr on failure. Not thread-safe: call before the session starts.
bool SetLogFile(const std::string& path);
void SetLogLevel(LogLevel level);
bool LogEnabled(LogLevel level);

// Thread-safe; appends a newline.
void Log(LogLevel level, std::string_view message);

}  // namespace objectfs::mount
