#include "warm_command.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>

#include "byte_format.hpp"
#include "commands.hpp"
#include "objectfs/warm.hpp"

namespace objectfs::cli {
namespace {

std::string WarmLine(const WarmProgress& p, bool tty) {
  return ProgressLine({p.bytes_fetched + p.bytes_cached, p.total_bytes, p.bytes_fetched, p.seconds,
                       p.objects_done, p.objects},
                      "warm", tty);
}

}  // namespace

CLI::App* AddWarmCommand(CLI::App& app, WarmArgs& args) {
  auto* cmd = app.add_subcommand(
      "warm",
      "fill the disk cache (--cache-dir) with objects or whole prefixes, in parallel; "
      "blocks already cached are skipped, so an interrupted warm resumes");
  cmd->add_option("uri", args.uris, "s3://bucket/key, s3://bucket/prefix/ or s3://bucket")
      ->required();
  cmd->add_flag("--no-progress", args.no_progress, "no progress bar or progress lines");
  return cmd;
}

int RunWarm(Client& client, const WarmArgs& args) {
  if (client.DiskCacheBlockSize() == 0) {
    return ReportError(
        "warm", InvalidArgument("no disk cache: give --cache-dir DIR or set OBJECTFS_CACHE_DIR"));
  }
  const bool tty = !args.no_progress && ::isatty(STDERR_FILENO);
  // Messages go on their own line (a bar being drawn is cleared first).
  auto say = [tty](const std::string& message) {
    std::cerr << (tty ? "\r\033[K" : "") << message << std::endl;
  };
  WarmOptions options;
  options.on_error = [](const Status& status) { ReportError("warm", status); };
  options.on_object = [&](const WarmObjectResult& object) {
    if (!object.status.ok()) {
      say("objectfs warm: " + object.status.ToString());
    } else if (!tty && !args.no_progress) {
      say("warm: cached " + object.uri + " (" + FormatBytes(object.size) + ")");
    }
  };
  if (!args.no_progress) {
    // A bar redrawn 5 times a second on a terminal, a line every 5 s otherwise.
    options.progress_interval = tty ? std::chrono::milliseconds(200) : std::chrono::seconds(5);
    options.progress = [tty](const WarmProgress& p) {
      if (!p.done) {
        std::cerr << WarmLine(p, tty) << (tty ? "" : "\n") << std::flush;
      } else if (tty) {
        std::cerr << WarmLine(p, tty) << std::endl;
      }
      return true;
    };
  }
  auto summary = Warm(client, args.uris, options);
  if (!summary.ok()) return ReportError("warm", summary.status());
  const WarmProgress& t = summary->totals;
  char line[512];
  std::snprintf(line, sizeof(line),
                "warm: %zu objects, %s in %.2f s: %s fetched (%.1f MB/s), %s already cached, "
                "%zu failed",
                t.objects, FormatBytes(t.total_bytes).c_str(), t.seconds,
                FormatBytes(t.bytes_fetched).c_str(),
                t.seconds > 0 ? double(t.bytes_fetched) / t.seconds / 1e6 : 0.0,
                FormatBytes(t.bytes_cached).c_str(), t.objects_failed);
  std::cout << line << std::endl;
  return summary->ok() ? 0 : 1;
}

}  // namespace objectfs::cli
