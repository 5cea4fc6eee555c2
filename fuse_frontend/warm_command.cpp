#include "warm_command.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <optional>
#include <thread>

#include "byte_format.hpp"
#include "commands.hpp"

namespace objectfs::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct WarmObject {
  std::string uri;
  uint64_t size = 0;
  std::optional<ObjectInfo> stat;  // when named on the command line: opened without a second HEAD
  std::once_flag opened;
  std::shared_ptr<File> file;
  Status status;  // the first error, guarded by Progress::mu
  std::atomic<uint64_t> blocks_left{0};
};

// What the workers report and the progress thread prints.
struct Progress {
  uint64_t total_bytes = 0;
  size_t objects = 0;
  std::atomic<uint64_t> fetched{0};
  std::atomic<uint64_t> cached{0};
  std::atomic<size_t> objects_done{0};
  std::atomic<size_t> objects_failed{0};
  std::mutex mu;  // serializes lines on stderr
  bool tty = false;
  Clock::time_point start = Clock::now();

  double Seconds() const { return std::chrono::duration<double>(Clock::now() - start).count(); }

  std::string Line() const {
    const uint64_t done = fetched + cached;
    const double seconds = std::max(Seconds(), 1e-3);
    const double rate = static_cast<double>(fetched) / seconds;
    char eta[32] = "--";
    if (rate > 0 && done < total_bytes) {
      const uint64_t s = static_cast<uint64_t>(static_cast<double>(total_bytes - done) / rate);
      std::snprintf(eta, sizeof(eta), "%llu:%02llu", static_cast<unsigned long long>(s / 60),
                    static_cast<unsigned long long>(s % 60));
    }
    const double fraction = total_bytes ? double(done) / double(total_bytes) : 1.0;
    char line[256];
    std::snprintf(line, sizeof(line), "%5.1f%%  %s / %s  %.1f MB/s  ETA %s  %zu/%zu objects",
                  100 * fraction, FormatBytes(done).c_str(), FormatBytes(total_bytes).c_str(),
                  rate / 1e6, eta, objects_done.load(), objects);
    if (!tty) return std::string("warm: ") + line;
    std::string bar(30, ' ');
    for (size_t i = 0; i < size_t(fraction * 30) && i < 30; ++i) bar[i] = '#';
    return "\r[" + bar + "] " + line + "\033[K";
  }
  // One message on its own line (the bar is redrawn after it).
  void Say(const std::string& message) {
    std::lock_guard lock(mu);
    std::cerr << (tty ? "\r\033[K" : "") << message << std::endl;
  }
};

// Objects named by `text`: the object itself, or everything under it when it
// is a prefix (ends in '/', a bucket alone, or no object of that name).
Status Expand(Client& client, const std::string& text,
              std::vector<std::unique_ptr<WarmObject>>* out) {
  OBJECTFS_ASSIGN_OR_RETURN(Uri uri, ParseUri(text));
  Status stat_error;
  if (!uri.key.empty() && uri.key.back() != '/') {
    auto info = client.Stat(text);
    if (info.ok()) {
      auto object = std::make_unique<WarmObject>();
      object->uri = uri.ToString();
      object->size = info->size;
      object->stat = std::move(*info);
      out->push_back(std::move(object));
      return Status::Ok();
    }
    if (info.status().code() != StatusCode::kNotFound) return info.status();
    stat_error = info.status();
    uri.key += '/';
  }
  const std::string prefix = uri.ToString();
  size_t found = 0;
  std::string token;
  do {
    OBJECTFS_ASSIGN_OR_RETURN(ListPage page, client.List(prefix, "", token));
    for (const ObjectInfo& info : page.objects) {
      if (!info.key.empty() && info.key.back() == '/' && info.size == 0) continue;  // folder marker
      auto object = std::make_unique<WarmObject>();
      object->uri = Uri{uri.scheme, uri.bucket, info.key}.ToString();
      object->size = info.size;
      out->push_back(std::move(object));
      ++found;
    }
    token = page.next_page_token;
  } while (!token.empty());
  if (found == 0) {
    return stat_error.ok() ? NotFound(prefix + ": no objects under this prefix") : stat_error;
  }
  return Status::Ok();
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
  const uint64_t block_size = client.DiskCacheBlockSize();
  if (block_size == 0) {
    return ReportError(
        "warm", InvalidArgument("no disk cache: give --cache-dir DIR or set OBJECTFS_CACHE_DIR"));
  }
  Progress progress;
  progress.tty = !args.no_progress && ::isatty(STDERR_FILENO);
  std::vector<std::unique_ptr<WarmObject>> objects;
  bool failed = false;
  for (const std::string& uri : args.uris) {
    Status status = Expand(client, uri, &objects);
    if (!status.ok()) {
      ReportError("warm", status);
      failed = true;
    }
  }
  // One task per block, objects in order: each object completes early.
  struct Task {
    WarmObject* object;
    uint64_t block;
  };
  std::vector<Task> tasks;
  for (auto& object : objects) {
    progress.total_bytes += object->size;
    const uint64_t blocks = (object->size + block_size - 1) / block_size;
    object->blocks_left = blocks;
    for (uint64_t b = 0; b < std::max<uint64_t>(blocks, 1); ++b) tasks.push_back({object.get(), b});
  }
  progress.objects = objects.size();

  std::atomic<size_t> next{0};
  auto finish_object = [&](WarmObject& object) {
    ++progress.objects_done;
    if (!object.status.ok()) {
      ++progress.objects_failed;
      progress.Say("objectfs warm: " + object.status.ToString());
    } else if (!progress.tty && !args.no_progress) {
      progress.Say("warm: cached " + object.uri + " (" + FormatBytes(object.size) + ")");
    }
  };
  auto worker = [&] {
    for (size_t i = next++; i < tasks.size(); i = next++) {
      WarmObject& object = *tasks[i].object;
      std::call_once(object.opened, [&] {
        // Listed objects get their HEAD here (see Client::Open(uri, info)).
        auto file = object.stat ? client.Open(object.uri, *object.stat) : client.Open(object.uri);
        std::lock_guard lock(progress.mu);
        if (file.ok()) {
          object.file = std::move(*file);
        } else {
          object.status = file.status();
        }
      });
      bool skip;
      {
        std::lock_guard lock(progress.mu);
        skip = !object.status.ok();
      }
      if (!skip && object.size > 0) {
        auto result = object.file->WarmDiskCache({tasks[i].block * block_size, block_size});
        if (result.ok()) {
          progress.fetched += result->bytes_fetched;
          progress.cached += result->bytes_already_cached;
        } else {
          std::lock_guard lock(progress.mu);
          if (object.status.ok()) object.status = result.status();
        }
      }
      if (object.size == 0 || --object.blocks_left == 0) finish_object(object);
    }
  };

  // Progress: a bar redrawn 5 times a second on a terminal, a line every 5 s otherwise.
  std::mutex done_mu;
  std::condition_variable done_cv;
  bool done = false;
  std::thread reporter([&] {
    if (args.no_progress) return;
    const auto interval = progress.tty ? std::chrono::milliseconds(200) : std::chrono::seconds(5);
    std::unique_lock lock(done_mu);
    while (!done_cv.wait_for(lock, interval, [&] { return done; })) {
      std::lock_guard out(progress.mu);
      std::cerr << progress.Line() << (progress.tty ? "" : "\n") << std::flush;
    }
  });
  const int workers = static_cast<int>(std::min<size_t>(
      tasks.size(), static_cast<size_t>(client.options().read.max_parallel_requests)));
  std::vector<std::thread> threads;
  for (int i = 0; i < workers; ++i) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  {
    std::lock_guard lock(done_mu);
    done = true;
  }
  done_cv.notify_all();
  reporter.join();
  if (progress.tty) std::cerr << progress.Line() << std::endl;

  const double seconds = progress.Seconds();
  char summary[512];
  std::snprintf(summary, sizeof(summary),
                "warm: %zu objects, %s in %.2f s: %s fetched (%.1f MB/s), %s already cached, "
                "%zu failed",
                objects.size(), FormatBytes(progress.total_bytes).c_str(), seconds,
                FormatBytes(progress.fetched).c_str(),
                seconds > 0 ? double(progress.fetched) / seconds / 1e6 : 0.0,
                FormatBytes(progress.cached).c_str(), progress.objects_failed.load());
  std::cout << summary << std::endl;
  return failed || progress.objects_failed > 0 ? 1 : 0;
}

}  // namespace objectfs::cli
