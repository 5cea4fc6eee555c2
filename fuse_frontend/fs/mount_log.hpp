// The mount's log: its events and the Client's records through one
// objectfs::LogWriter (text or JSON, stderr or --log-file).
#pragma once

#include <memory>
#include <string_view>

#include "objectfs/log.hpp"

namespace objectfs::mount {

// The same levels as objectfs::LogLevel, spelled as the mount always did.
enum class LogLevel { kError = 0, kWarn = 1, kInfo = 2, kDebug = 3 };

// Later lines go to `writer` (null: stderr, text, at the level of
// SetLogLevel). Not thread-safe: call before the session starts.
void SetLogWriter(std::shared_ptr<LogWriter> writer);
// The level of the default stderr writer (unit tests quiet it).
void SetLogLevel(LogLevel level);
bool LogEnabled(LogLevel level);

// Thread-safe.
void Log(LogLevel level, std::string_view message, std::string_view uri = {});
// Written whatever the level (the --stats line the user asked for).
void LogAlways(std::string_view message);

}  // namespace objectfs::mount
