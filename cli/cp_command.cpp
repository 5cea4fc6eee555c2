#include "cp_command.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <thread>
#include <vector>

#include "byte_format.hpp"
#include "commands.hpp"
#include "download.hpp"

namespace objectfs::cli {
namespace {

namespace fs = std::filesystem;

// Objects copied at once by -r; each large one also runs parallel parts.
constexpr int kParallelObjects = 8;

struct Transfer {
  std::string source;
  std::string destination;
  uint64_t size = 0;
};

bool IsLocal(const std::string& text) { return text.find("://") == std::string::npos; }

std::string Basename(std::string_view path) {
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  const size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

// Where one object goes: into DESTINATION itself, or under it when it names a
// directory (an existing local one, or anything ending in '/', or a bucket).
std::string SingleDestination(const std::string& source, const std::string& destination) {
  bool into = !destination.empty() && destination.back() == '/';
  if (IsLocal(destination)) {
    struct stat st {};
    into = into || (::stat(destination.c_str(), &st) == 0 && S_ISDIR(st.st_mode));
  } else {
    auto uri = ParseUri(destination);
    into = into || (uri.ok() && uri->key.empty());
  }
  if (!into) return destination;
  const bool slash = destination.back() == '/';
  return destination + (slash ? "" : "/") + Basename(source);
}

std::string JoinUnder(const std::string& destination, const std::string& relative) {
  if (destination.empty() || destination.back() == '/') return destination + relative;
  return destination + "/" + relative;
}

// A key under the prefix that would leave the destination directory.
bool EscapesDirectory(const std::string& relative) {
  const fs::path path(relative);
  if (path.is_absolute()) return true;
  for (const auto& part : path) {
    if (part == "..") return true;
  }
  return false;
}

Result<std::vector<Transfer>> ExpandLocalDirectory(const std::string& source,
                                                   const std::string& destination) {
  std::error_code ec;
  if (!fs::is_directory(source, ec)) {
    return InvalidArgument(source + ": -r needs a directory (or a prefix URI) as the source");
  }
  std::vector<Transfer> transfers;
  for (auto it = fs::recursive_directory_iterator(source, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    const std::string relative = fs::relative(it->path(), source, ec).generic_string();
    transfers.push_back({it->path().string(), JoinUnder(destination, relative),
                         static_cast<uint64_t>(it->file_size(ec))});
  }
  if (ec) return Internal(source + ": cannot walk the directory: " + ec.message());
  return transfers;
}

Result<std::vector<Transfer>> ExpandPrefix(Client& client, std::string source,
                                           const std::string& destination) {
  OBJECTFS_ASSIGN_OR_RETURN(Uri uri, ParseUri(source));
  if (!uri.key.empty() && uri.key.back() != '/') {
    uri.key += '/';
    source += '/';
  }
  std::vector<Transfer> transfers;
  std::string token;
  do {
    OBJECTFS_ASSIGN_OR_RETURN(ListPage page, client.List(source, "", token));
    for (const ObjectInfo& object : page.objects) {
      const std::string relative = object.key.substr(uri.key.size());
      if (relative.empty() || relative.back() == '/') continue;  // directory markers
      if (IsLocal(destination) && EscapesDirectory(relative)) {
        return InvalidArgument(source + ": key '" + object.key + "' would be written outside " +
                               destination);
      }
      const std::string from = source + relative;
      transfers.push_back({from, JoinUnder(destination, relative), object.size});
    }
    token = page.next_page_token;
  } while (!token.empty());
  return transfers;
}

// One object, whichever the direction.
Status CopyOne(Client& client, const Transfer& t, bool no_clobber, int workers) {
  if (IsLocal(t.destination)) {
    const fs::path parent = fs::path(t.destination).parent_path();
    std::error_code ec;
    if (!parent.empty()) fs::create_directories(parent, ec);
    OBJECTFS_ASSIGN_OR_RETURN(std::shared_ptr<File> file, client.Open(t.source));
    return DownloadToFile(*file, t.destination, client.options().read.part_size, workers,
                          no_clobber);
  }
  WriteOptions options;
  options.no_overwrite = no_clobber;
  auto copied = client.Copy(t.source, t.destination, options);
  return copied.ok() ? Status::Ok() : copied.status();
}

// Progress from what has finished and from the Client's byte counters.
class Progress {
 public:
  Progress(Client& client, uint64_t total_bytes, size_t objects, bool to_local, bool enabled)
      : client_(client),
        total_(total_bytes),
        objects_(objects),
        to_local_(to_local),
        tty_(enabled && ::isatty(STDERR_FILENO)),
        enabled_(enabled),
        start_(std::chrono::steady_clock::now()),
        base_(Moved()) {
    if (enabled_) thread_ = std::thread([this] { Run(); });
  }
  ~Progress() { Stop(); }

  void Finished(const Transfer& t, const Status& status) {
    std::lock_guard lock(mu_);
    done_bytes_ += t.size;
    ++done_objects_;
    if (!status.ok()) {
      Say("objectfs cp: " + status.ToString());
    } else if (enabled_ && !tty_ && objects_ > 1) {
      Say("cp: " + t.source + " -> " + t.destination + " (" + FormatBytes(t.size) + ")");
    }
  }

  void Stop() {
    {
      std::lock_guard lock(mu_);
      if (stopped_) return;
      stopped_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
    if (tty_) std::cerr << Line() << std::endl;
  }

  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  uint64_t Moved() const {
    const ClientStats stats = client_.Stats();
    return to_local_ ? stats.bytes_downloaded : stats.bytes_uploaded;
  }

  void Say(const std::string& message) {
    std::cerr << (tty_ ? "\r\033[K" : "") << message << std::endl;
  }

  std::string Line() {
    const uint64_t done = std::min(total_, std::max(done_bytes_, Moved() - base_));
    return ProgressLine({done, total_, done, seconds(), done_objects_, objects_}, "cp", tty_);
  }

  void Run() {
    const auto interval = tty_ ? std::chrono::milliseconds(200) : std::chrono::seconds(5);
    std::unique_lock lock(mu_);
    while (!wake_.wait_for(lock, interval, [&] { return stopped_; })) {
      std::cerr << Line() << (tty_ ? "" : "\n") << std::flush;
    }
  }

  Client& client_;
  const uint64_t total_;
  const size_t objects_;
  const bool to_local_;
  const bool tty_;
  const bool enabled_;
  const std::chrono::steady_clock::time_point start_;
  const uint64_t base_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopped_ = false;
  uint64_t done_bytes_ = 0;
  size_t done_objects_ = 0;
  std::thread thread_;
};

Result<std::vector<Transfer>> Plan(Client& client, const CpArgs& args) {
  if (args.recursive) {
    if (IsLocal(args.source)) return ExpandLocalDirectory(args.source, args.destination);
    return ExpandPrefix(client, args.source, args.destination);
  }
  uint64_t size = 0;
  if (IsLocal(args.source)) {
    struct stat st {};
    if (::stat(args.source.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      return InvalidArgument(args.source + " is a directory (use -r to copy its contents)");
    }
    size = static_cast<uint64_t>(st.st_size);
  }
  return std::vector<Transfer>{
      {args.source, SingleDestination(args.source, args.destination), size}};
}

}  // namespace

CLI::App* AddCpCommand(CLI::App& app, CpArgs& args) {
  auto* cmd = app.add_subcommand(
      "cp",
      "copy objects and files in any direction: local -> store (streamed multipart upload), "
      "store -> local (parallel ranged GETs), store -> store (server-side where possible)");
  cmd->add_option("source", args.source, "s3://bucket/key, a prefix (with -r) or a local path")
      ->required();
  cmd->add_option("destination", args.destination,
                  "s3://bucket/key, s3://bucket/prefix/, a local file or directory")
      ->required();
  cmd->add_flag("-r,--recursive", args.recursive,
                "copy a directory's files or a prefix's objects, keeping their relative names");
  cmd->add_flag("-n,--no-clobber", args.no_clobber,
                "never replace an existing destination (exit status 1 when one exists)");
  cmd->add_flag("--no-progress", args.no_progress, "no progress bar or progress lines");
  return cmd;
}

int RunCp(Client& client, const CpArgs& args) {
  auto planned = Plan(client, args);
  if (!planned.ok()) return ReportError("cp", planned.status());
  const std::vector<Transfer>& transfers = *planned;
  uint64_t total = 0;
  for (const Transfer& t : transfers) total += t.size;

  const int objects_at_once =
      static_cast<int>(std::min<size_t>(transfers.size(), kParallelObjects));
  const int part_workers =
      std::max(1, client.options().read.max_parallel_requests / std::max(1, objects_at_once));
  Progress progress(client, total, transfers.size(), IsLocal(args.destination), !args.no_progress);
  std::atomic<size_t> next{0};
  std::atomic<int> failures{0};
  auto worker = [&] {
    for (size_t i = next++; i < transfers.size(); i = next++) {
      Status status = CopyOne(client, transfers[i], args.no_clobber, part_workers);
      if (!status.ok()) ++failures;
      progress.Finished(transfers[i], status);
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < objects_at_once; ++i) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  progress.Stop();
  if (args.recursive) {
    std::printf("cp: %zu objects, %s in %.2f s (%.1f MB/s), %d failed\n", transfers.size(),
                FormatBytes(total).c_str(), progress.seconds(),
                double(total) / std::max(progress.seconds(), 1e-3) / 1e6, failures.load());
  }
  return failures.load() == 0 ? 0 : 1;
}

}  // namespace objectfs::cli
