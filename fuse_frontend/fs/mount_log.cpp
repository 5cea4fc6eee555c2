#include "fs/mount_log.hpp"

#include <atomic>

namespace objectfs::mount {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
std::shared_ptr<LogWriter> g_writer;  // null: stderr text at g_level

objectfs::LogLevel Library(LogLevel level) { return static_cast<objectfs::LogLevel>(level); }

std::shared_ptr<LogWriter> StderrWriter(objectfs::LogLevel level) {
  auto writer = LogWriter::Open("", LogFormat::kText, level);
  return writer.ok() ? *writer : nullptr;
}

}  // namespace

void SetLogWriter(std::shared_ptr<LogWriter> writer) { g_writer = std::move(writer); }

void SetLogLevel(LogLevel level) { g_level.store(static_cast<int>(level)); }

bool LogEnabled(LogLevel level) {
  return g_writer ? g_writer->Enabled(Library(level)) : static_cast<int>(level) <= g_level.load();
}

void Log(LogLevel level, std::string_view message, std::string_view uri) {
  if (!LogEnabled(level)) return;
  if (g_writer) {
    g_writer->Write({Library(level), message, uri});
    return;
  }
  if (auto writer = StderrWriter(Library(level))) writer->Write({Library(level), message, uri});
}

void LogAlways(std::string_view message) {
  if (g_writer) {
    g_writer->WriteAlways({objectfs::LogLevel::kInfo, message});
  } else if (auto writer = StderrWriter(objectfs::LogLevel::kInfo)) {
    writer->Write({objectfs::LogLevel::kInfo, message});
  }
}

}  // namespace objectfs::mount
