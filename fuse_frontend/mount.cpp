#include "mount.hpp"

#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstring>
#include <iostream>
#include <thread>

#include "commands.hpp"
#include "fs/file_system.hpp"
#include "fs/mount_log.hpp"
#include "fuse_adapter.hpp"

namespace objectfs::cli {
namespace {

using mount::Log;
using mount::LogLevel;

// Where the daemon reports readiness ("0") or an error ("1message") to the
// process that started it; -1 in the foreground.
int g_ready_fd = -1;

int Fail(const Status& status) {
  if (g_ready_fd >= 0) {
    const std::string message = "1" + status.ToString();
    (void)!::write(g_ready_fd, message.data(), message.size());
    ::close(g_ready_fd);
    g_ready_fd = -1;
    return 1;
  }
  return ReportError("mount", status);
}

Result<mode_t> ParseMode(const std::string& name, const std::string& text) {
  mode_t mode = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), mode, 8);
  if (ec != std::errc() || ptr != text.data() + text.size() || mode > 07777) {
    return InvalidArgument(name + ": '" + text + "' is not an octal mode like 0444");
  }
  return mode;
}

// Milliseconds; -1 for "indefinite".
Result<int64_t> ParseTtl(const std::string& text) {
  if (text == "indefinite") return int64_t{-1};
  try {
    size_t used = 0;
    const double seconds = std::stod(text, &used);
    if (used == text.size() && seconds >= 0) return static_cast<int64_t>(seconds * 1000);
  } catch (...) {
  }
  return InvalidArgument("--metadata-ttl: '" + text + "' is not SECONDS or 'indefinite'");
}

// The parent side of the daemon pipe: waits for "0" (ready) or an error.
int WaitForDaemon(int fd) {
  std::string message;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    message.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  if (message == "0") return 0;
  if (message.empty()) message = "1the mount process exited before the mount was ready";
  std::cerr << "objectfs: mount: " << message.substr(1) << std::endl;
  return 1;
}

// Runs once the session loop serves: waits until the mount answers, raises
// the kernel readahead of its bdi, then tells the starting process.
void SignalWhenReady(std::string mountpoint, uint64_t readahead, bool foreground) {
  struct stat st {};
  if (::stat(mountpoint.c_str(), &st) != 0) {
    Log(LogLevel::kWarn, "mount point not answering: " + std::string(std::strerror(errno)));
  } else {
    const std::string path = "/sys/class/bdi/" + std::to_string(major(st.st_dev)) + ":" +
                             std::to_string(minor(st.st_dev)) + "/read_ahead_kb";
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
      // One max-size (1 MiB) FUSE request of kernel readahead: the read engine
      // runs its own, larger window. Bigger kernel windows send many parallel
      // out-of-order reads and measured slower (docs/benchmarks.md, "Measurements
      // behind code choices").
      const uint64_t kb = std::clamp<uint64_t>(readahead >> 10, 128, 1024);
      const std::string text = std::to_string(kb);
      if (::write(fd, text.data(), text.size()) < 0) {
        Log(LogLevel::kDebug, "cannot set " + path + ": " + std::strerror(errno));
      }
      ::close(fd);
    }
  }
  Log(foreground ? LogLevel::kInfo : LogLevel::kDebug, "mounted at " + mountpoint);
  if (g_ready_fd >= 0) {
    (void)!::write(g_ready_fd, "0", 1);
    ::close(g_ready_fd);
    g_ready_fd = -1;
  }
  if (!foreground) {
    const int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null_fd >= 0) {
      ::dup2(null_fd, STDIN_FILENO);
      ::dup2(null_fd, STDOUT_FILENO);
      ::dup2(null_fd, STDERR_FILENO);  // the log goes to --log-file, if any
      ::close(null_fd);
    }
  }
}

int Serve(const CommonOptions& common, const MountArgs& args, ClientOptions client_options,
          const Uri& uri, int64_t ttl_ms, mode_t file_mode, mode_t dir_mode,
          const std::string& mountpoint) {
  auto client = Client::Create(std::move(client_options));
  if (!client.ok()) return Fail(client.status());
  mount::FsConfig config;
  std::string uri_base = Uri{uri.scheme, uri.bucket, ""}.ToString();
  if (!uri_base.ends_with("/")) uri_base += "/";
  config.root_key = uri.key;
  if (!config.root_key.empty() && !config.root_key.ends_with("/")) config.root_key += "/";
  // Fail fast on a missing bucket or bad credentials: one List, before mounting.
  auto page = (*client)->List(uri_base + config.root_key, "/", "", 1);
  if (!page.ok()) return Fail(page.status().WithContext("cannot mount"));
  config.uid = args.uid >= 0 ? static_cast<uid_t>(args.uid) : ::getuid();
  config.gid = args.gid >= 0 ? static_cast<gid_t>(args.gid) : ::getgid();
  config.file_mode = file_mode;
  config.dir_mode = dir_mode;
  config.timeout_s = ttl_ms < 0 ? 365.0 * 86400 : ttl_ms / 1000.0;
  config.negative_timeout_s = std::min(config.timeout_s, 5.0);
  config.open_from_listing = ttl_ms < 0;
  config.max_readahead = (*client)->options().read.max_readahead;
  config.memory_budget = (*client)->MemoryBudget();
  config.read_write = args.read_write;
  config.allow_overwrite = args.allow_overwrite;
  config.allow_delete = args.allow_delete;
  mount::MetadataCache::Options metadata;
  metadata.ttl = std::chrono::milliseconds(ttl_ms);
  mount::FileSystem fs(std::make_unique<mount::ClientSource>(*client, std::move(uri_base)), config,
                       std::move(metadata));
  const auto fuse_metrics = std::make_shared<const Client::MetricsSource>(
      [metrics = fs.shared_metrics()](std::vector<MetricFamily>& out) {
        metrics->AppendFamilies(out);
      });
  (*client)->AddMetricsSource(fuse_metrics);

  std::string fuse_opts = std::string(args.read_write ? "rw" : "ro") +
                          ",default_permissions,fsname=objectfs,subtype=objectfs";
  if (args.allow_other) fuse_opts += ",allow_other";
  for (const auto& o : args.fuse_passthrough) fuse_opts += "," + o;
  const char* argv[] = {"objectfs", "-o", fuse_opts.c_str(), nullptr};
  fuse_args fargs = FUSE_ARGS_INIT(3, const_cast<char**>(argv));
  // fuse_session_new copies argv into allocated storage: free it on every path.
  struct FreeArgs {
    fuse_args* args;
    ~FreeArgs() { fuse_opt_free_args(args); }
  } free_args{&fargs};
  fuse_session* se =
      fuse_session_new(&fargs, &mount::FsOperations(), sizeof(fuse_lowlevel_ops), &fs);
  if (se == nullptr)
    return Fail(Internal("cannot create the FUSE session (options: " + fuse_opts + ")"));
  if (fuse_set_signal_handlers(se) != 0) {
    fuse_session_destroy(se);
    return Fail(Internal("cannot install signal handlers"));
  }
  if (fuse_session_mount(se, mountpoint.c_str()) != 0) {
    fuse_remove_signal_handlers(se);
    fuse_session_destroy(se);
    return Fail(Internal("cannot mount at " + mountpoint +
                         " (is /dev/fuse available and fusermount3 installed?)"));
  }
  Log(args.foreground ? LogLevel::kInfo : LogLevel::kDebug,
      "serving " + uri.ToString() + " at " + mountpoint +
          (args.read_write
               ? std::string(" read-write") + (args.allow_overwrite ? ", overwrite allowed" : "") +
                     (args.allow_delete ? ", delete allowed" : "")
               : std::string(" read-only")));
  std::thread ready(SignalWhenReady, mountpoint, config.max_readahead, args.foreground);
  fuse_loop_config* loop = fuse_loop_cfg_create();
  fuse_loop_cfg_set_max_threads(loop, 64);
  fuse_loop_cfg_set_idle_threads(loop, 16);
  const int rc = fuse_session_loop_mt(se, loop);
  fuse_loop_cfg_destroy(loop);
  ready.join();
  fuse_session_unmount(se);
  fuse_remove_signal_handlers(se);
  fuse_session_destroy(se);
  Log(LogLevel::kInfo, "unmounted " + mountpoint);
  (*client)->Flush();
  // The metrics file gets the FUSE families too: written while fs lives.
  if (Status s = (*client)->WriteMetricsFile(); !s.ok()) Log(LogLevel::kWarn, s.ToString());
  if (common.print_stats) mount::LogAlways(StatsText(**client, common.stats_json));
  // After SIGINT/SIGTERM/SIGHUP libfuse returns the signal number: a clean stop.
  return rc == 0 || rc == SIGINT || rc == SIGTERM || rc == SIGHUP ? 0 : 1;
}

}  // namespace

int RunMount(CommonOptions common, MountArgs args) {
  if (Status s = ApplyMountOptions(args, common); !s.ok()) return ReportError("mount", s);
  auto ttl = ParseTtl(args.metadata_ttl);
  if (!ttl.ok()) return ReportError("mount", ttl.status());
  if (args.file_mode.empty()) args.file_mode = args.read_write ? "0644" : "0444";
  if (args.dir_mode.empty()) args.dir_mode = args.read_write ? "0755" : "0555";
  auto file_mode = ParseMode("--file-mode", args.file_mode);
  if (!file_mode.ok()) return ReportError("mount", file_mode.status());
  auto dir_mode = ParseMode("--dir-mode", args.dir_mode);
  if (!dir_mode.ok()) return ReportError("mount", dir_mode.status());
  auto options = BuildClientOptions(common);
  if (!options.ok()) return ReportError("mount", options.status());
  // One writer for the mount's lines and the Client's records; in the
  // background without --log-file, stderr is /dev/null.
  auto writer = OpenLogWriter(options->observe);
  if (!writer.ok()) return ReportError("mount", writer.status());
  mount::SetLogWriter(*writer);
  if (!options->log) options->log = LogWriter::SinkOf(*writer);
  auto uri = ParseUri(args.uri);
  if (!uri.ok()) return ReportError("mount", uri.status());
  if (uri->scheme == "file" || uri->bucket.empty()) {
    return ReportError("mount", InvalidArgument(args.uri + ": expected s3://bucket[/prefix]"));
  }
  char resolved[PATH_MAX];
  struct stat st {};
  if (::realpath(args.mountpoint.c_str(), resolved) == nullptr || ::stat(resolved, &st) != 0 ||
      !S_ISDIR(st.st_mode)) {
    return ReportError(
        "mount", NotFound("mount point " + args.mountpoint + " is not an existing directory"));
  }
  if (!args.foreground) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      return ReportError("mount", Internal(std::string("pipe: ") + std::strerror(errno)));
    }
    const pid_t pid = ::fork();
    if (pid < 0)
      return ReportError("mount", Internal(std::string("fork: ") + std::strerror(errno)));
    if (pid > 0) {
      ::close(fds[1]);
      return WaitForDaemon(fds[0]);
    }
    ::close(fds[0]);
    g_ready_fd = fds[1];
    ::setsid();
    if (::chdir("/") != 0) {
      // Not fatal: the mount point was resolved to an absolute path already.
    }
  }
  return Serve(common, args, std::move(*options), *uri, *ttl, *file_mode, *dir_mode, resolved);
}

}  // namespace objectfs::cli
