// Where a Client tells its embedder what it did not return as an error (disk
// cache blocks it could not store, the credential source it settled on) and,
// at debug level, every request it sent. LogWriter is the one writer of
// ObjectFS's log lines (text or JSON) that the CLI, the mount and embedders share.
#pragma once

#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "objectfs/status.hpp"

namespace objectfs {

enum class LogLevel { kError = 0, kWarning = 1, kInfo = 2, kDebug = 3 };

// "error", "warn"/"warning", "info", "debug".
Result<LogLevel> ParseLogLevel(std::string_view text);
std::string_view LogLevelName(LogLevel level);

// One event. The views live only for the call. Messages never contain secrets.
struct LogRecord {
  LogLevel level = LogLevel::kInfo;
  std::string_view message;
  std::string_view uri = {};         // the object or request URL (query secrets removed)
  std::string_view request_id = {};  // the server's id of the request, when there is one
};

// Called from any of the Client's threads, possibly at once: a sink must be
// thread-safe and quick.
using LogSink = std::function<void(const LogRecord& record)>;

enum class LogFormat { kText, kJson };
Result<LogFormat> ParseLogFormat(std::string_view text);

// Writes records at or above a level as lines: text
//   2026-12-03T06:30:00.123Z objectfs warn: message (uri ..., request id ...)
// or JSON, one object per line:
//   {"time":"...","level":"warn","message":"...","uri":"...","request_id":"..."}
// Thread-safe: lines never interleave.
class LogWriter {
 public:
  // `path` empty: stderr. The file is opened for appending, created 0600.
  static Result<std::shared_ptr<LogWriter>> Open(const std::string& path, LogFormat format,
                                                 LogLevel level);
  ~LogWriter();
  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;

  bool Enabled(LogLevel level) const { return level <= level_; }
  void Write(const LogRecord& record);
  // Whatever the level (a summary the user asked for, such as --stats).
  void WriteAlways(const LogRecord& record);
  // A sink that keeps this writer alive.
  static LogSink SinkOf(std::shared_ptr<LogWriter> writer);

 private:
  LogWriter(FILE* file, bool owned, LogFormat format, LogLevel level);

  FILE* const file_;
  const bool owned_;
  const LogFormat format_;
  const LogLevel level_;
  std::mutex mu_;
};

}  // namespace objectfs
