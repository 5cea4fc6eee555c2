#include "commands.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>
#include <iostream>
#include <mutex>
#include <thread>
#include <vector>

#include "byte_format.hpp"

namespace objectfs::cli {
namespace {

Status WriteAll(int fd, const std::byte* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Internal(std::string("write failed: ") + std::strerror(errno));
    data += n;
    size -= static_cast<size_t>(n);
  }
  return Status::Ok();
}

// "START-END" (inclusive) or "START-" against an object of `size` bytes.
Result<ByteRange> ParseRange(std::string_view text, uint64_t size, const std::string& uri) {
  const size_t dash = text.find('-');
  uint64_t start = 0, end = 0;
  const bool open_end = dash != std::string_view::npos && dash + 1 == text.size();
  const char* p = text.data();
  if (dash == std::string_view::npos || dash == 0 ||
      std::from_chars(p, p + dash, start).ptr != p + dash ||
      (!open_end && std::from_chars(p + dash + 1, p + text.size(), end).ptr != p + text.size())) {
    return InvalidArgument("invalid --range '" + std::string(text) +
                           "' (expected START-END or START-)");
  }
  if (!open_end && end < start) {
    return InvalidArgument("invalid --range '" + std::string(text) + "': END is before START");
  }
  if (start >= size) {
    return OutOfRange(uri + ": range " + std::string(text) +
                      " starts past the end of the object (size " + std::to_string(size) + ")");
  }
  const uint64_t last = open_end ? size - 1 : std::min(end, size - 1);
  return ByteRange{start, last - start + 1};
}

}  // namespace

int ReportError(std::string_view verb, const Status& status) {
  std::cerr << "objectfs " << verb << ": " << status.ToString() << std::endl;
  return 1;
}

std::string StatsText(const Client& client, bool json) {
  if (json) return StatsJson(client.Stats(), client.Cost());
  return StatsLine(client.Stats()) + " " + CostLine(client.Cost());
}

void PrintStats(const Client& client, bool json) {
  std::cerr << StatsText(client, json) << std::endl;
}

Result<std::shared_ptr<LogWriter>> OpenLogWriter(const ObserveOptions& options) {
  OBJECTFS_ASSIGN_OR_RETURN(LogLevel level, ParseLogLevel(options.log_level));
  OBJECTFS_ASSIGN_OR_RETURN(LogFormat format, ParseLogFormat(options.log_format));
  return LogWriter::Open(options.log_file, format, level);
}

int RunLs(Client& client, const LsArgs& args) {
  std::string token;
  do {
    auto page = client.List(args.uri, args.recursive ? "" : "/", token);
    if (!page.ok()) return ReportError("ls", page.status());
    for (const auto& prefix : page->common_prefixes) {
      if (args.long_format) std::cout << "         PRE                        ";
      std::cout << prefix << '\n';
    }
    for (const auto& object : page->objects) {
      if (args.long_format) {
        char size[24];
        std::snprintf(size, sizeof(size), "%12llu", static_cast<unsigned long long>(object.size));
        std::cout << size << "  " << FormatTime(object.mtime) << "  ";
      }
      std::cout << object.key << '\n';
    }
    token = page->next_page_token;
  } while (!token.empty());
  std::cout.flush();
  return 0;
}

int RunStat(Client& client, const std::string& uri) {
  auto info = client.Stat(uri);
  if (!info.ok()) return ReportError("stat", info.status());
  std::cout << "uri:   " << uri << "\nsize:  " << info->size << "\netag:  " << info->etag
            << "\nmtime: " << FormatTime(info->mtime) << std::endl;
  return 0;
}

int RunCat(Client& client, const CatArgs& args) {
  auto file = client.Open(args.uri);
  if (!file.ok()) return ReportError("cat", file.status());
  ByteRange range{0, (*file)->Size()};
  if (!args.range.empty()) {
    auto parsed = ParseRange(args.range, (*file)->Size(), args.uri);
    if (!parsed.ok()) return ReportError("cat", parsed.status());
    range = *parsed;
  }
  // Reads of a file-system-like size: the read engine's readahead supplies the
  // parallelism, and memory stays within --memory-limit.
  std::vector<std::byte> buffer(static_cast<size_t>(std::min<uint64_t>(1ull << 20, range.length)));
  for (uint64_t offset = range.offset; offset < range.end();) {
    const size_t want =
        static_cast<size_t>(std::min<uint64_t>(buffer.size(), range.end() - offset));
    auto n = (*file)->PRead(offset, std::span(buffer).first(want));
    if (!n.ok()) return ReportError("cat", n.status());
    Status written = WriteAll(STDOUT_FILENO, buffer.data(), *n);
    if (!written.ok()) return ReportError("cat", written.WithContext("stdout"));
    offset += *n;
  }
  return 0;
}

}  // namespace objectfs::cli
