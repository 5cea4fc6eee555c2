// LogWriter: ObjectFS's log lines, text or JSON, to stderr or a file.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>

#include "objectfs/log.hpp"

namespace objectfs {
namespace {

// 2026-12-03T06:30:00.123Z
std::string Timestamp() {
  const auto now = std::chrono::system_clock::now();
  const time_t seconds = std::chrono::system_clock::to_time_t(now);
  const int millis = static_cast<int>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char stamp[40];
  const size_t n = std::strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(stamp + n, sizeof(stamp) - n, ".%03dZ", millis);
  return stamp;
}

std::string TextLine(const LogRecord& record) {
  std::string line = Timestamp() + " objectfs " + std::string(LogLevelName(record.level)) + ": ";
  line += record.message;
  if (!record.uri.empty() || !record.request_id.empty()) {
    line += " (";
    if (!record.uri.empty()) line += std::string(record.uri);
    if (!record.uri.empty() && !record.request_id.empty()) line += ", ";
    if (!record.request_id.empty()) line += "request id " + std::string(record.request_id);
    line += ")";
  }
  return line + "\n";
}

std::string JsonLine(const LogRecord& record) {
  nlohmann::ordered_json line;
  line["time"] = Timestamp();
  line["level"] = LogLevelName(record.level);
  line["message"] = record.message;
  if (!record.uri.empty()) line["uri"] = record.uri;
  if (!record.request_id.empty()) line["request_id"] = record.request_id;
  // Keys and messages may hold invalid UTF-8: replaced, never an exception.
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace

Result<LogLevel> ParseLogLevel(std::string_view text) {
  if (text == "error") return LogLevel::kError;
  if (text == "warn" || text == "warning") return LogLevel::kWarning;
  if (text == "info") return LogLevel::kInfo;
  if (text == "debug") return LogLevel::kDebug;
  return InvalidArgument("log_level: '" + std::string(text) +
                         "' is not error, warn, info or debug");
}

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kError:
      return "error";
    case LogLevel::kWarning:
      return "warn";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kDebug:
      return "debug";
  }
  return "?";
}

Result<LogFormat> ParseLogFormat(std::string_view text) {
  if (text == "text") return LogFormat::kText;
  if (text == "json") return LogFormat::kJson;
  return InvalidArgument("log_format: '" + std::string(text) + "' is not text or json");
}

Result<std::shared_ptr<LogWriter>> LogWriter::Open(const std::string& path, LogFormat format,
                                                   LogLevel level) {
  if (path.empty()) return std::shared_ptr<LogWriter>(new LogWriter(stderr, false, format, level));
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return InvalidArgument("log_file " + path + ": " + std::strerror(errno));
  FILE* file = ::fdopen(fd, "a");
  if (file == nullptr) {
    const int err = errno;
    ::close(fd);
    return InvalidArgument("log_file " + path + ": " + std::strerror(err));
  }
  return std::shared_ptr<LogWriter>(new LogWriter(file, true, format, level));
}

LogWriter::LogWriter(FILE* file, bool owned, LogFormat format, LogLevel level)
    : file_(file), owned_(owned), format_(format), level_(level) {}

LogWriter::~LogWriter() {
  if (owned_) std::fclose(file_);
}

void LogWriter::Write(const LogRecord& record) {
  if (Enabled(record.level)) WriteAlways(record);
}

void LogWriter::WriteAlways(const LogRecord& record) {
  const std::string line = format_ == LogFormat::kJson ? JsonLine(record) : TextLine(record);
  std::lock_guard lock(mu_);
  std::fwrite(line.data(), 1, line.size(), file_);
  std::fflush(file_);
}

LogSink LogWriter::SinkOf(std::shared_ptr<LogWriter> writer) {
  return [writer = std::move(writer)](const LogRecord& record) { writer->Write(record); };
}

}  // namespace objectfs
