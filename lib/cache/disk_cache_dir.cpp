#include "cache/disk_cache_dir.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace objectfs::internal {
namespace {

constexpr int64_t kStaleTempNs = 3600ll * 1000 * 1000 * 1000;

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

int64_t NowNs() {
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  return int64_t(now.tv_sec) * 1000000000 + now.tv_nsec;
}

// ".tmp-<pid>-..." -> whether <pid> is still running.
bool WriterAlive(const std::string& name) {
  const long pid = std::strtol(name.c_str() + 5, nullptr, 10);
  if (pid <= 0) return false;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

}  // namespace

Result<DiskCacheDir> DiskCacheDir::Open(const std::string& root) {
  if (root.empty()) return InvalidArgument("the cache directory is empty");
  DiskCacheDir dir;
  dir.root_ = root;
  while (dir.root_.size() > 1 && dir.root_.back() == '/') dir.root_.pop_back();
  const std::string v1 = dir.root_ + "/v1";
  dir.blocks_dir_ = v1 + "/blocks";
  dir.lock_path_ = v1 + "/lock";
  for (const std::string& path : {dir.root_, v1, dir.blocks_dir_}) {
    if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
      return Internal(Errno("cannot create cache directory " + path));
    }
  }
  // The cache's own directories are this user's alone: blocks another user
  // could write would be served as object bytes. lstat: a symlink is refused.
  for (const std::string& path : {v1, dir.blocks_dir_}) {
    struct stat own;
    if (::lstat(path.c_str(), &own) != 0) return Internal(Errno("cannot stat " + path));
    if (!S_ISDIR(own.st_mode)) {
      return Internal("cache directory " + path + " is not a directory (a symlink?)");
    }
    if (own.st_uid != ::geteuid()) {
      return PermissionDenied("cache directory " + path + " belongs to uid " +
                              std::to_string(own.st_uid) + ", not to this user (uid " +
                              std::to_string(::geteuid()) +
                              "): a disk cache is never shared between users");
    }
    if ((own.st_mode & 077) != 0) {
      char mode[8];
      std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(own.st_mode & 07777));
      return PermissionDenied("cache directory " + path + " is open to other users (mode " + mode +
                              "): it must be 0700 (chmod 700 " + path + ")");
    }
  }
  struct stat st;
  if (::stat(dir.blocks_dir_.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return Internal("cache directory " + dir.blocks_dir_ + " is not a directory");
  }
  if (::access(dir.blocks_dir_.c_str(), R_OK | W_OK | X_OK) != 0) {
    return PermissionDenied(Errno("cache directory " + dir.blocks_dir_ + " is not writable"));
  }
  return dir;
}

Status DiskCacheDir::DiskSpace(uint64_t* free_bytes, uint64_t* total_bytes) const {
  struct statvfs vfs;
  if (::statvfs(blocks_dir_.c_str(), &vfs) != 0) return Internal(Errno("statvfs " + blocks_dir_));
  *free_bytes = uint64_t(vfs.f_bavail) * vfs.f_frsize;
  *total_bytes = uint64_t(vfs.f_blocks) * vfs.f_frsize;
  return Status::Ok();
}

Result<UniqueFd> DiskCacheDir::Lock() const {
  UniqueFd fd(::open(lock_path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!fd.valid()) return Internal(Errno("cannot open cache lock " + lock_path_));
  while (::flock(fd.get(), LOCK_EX) != 0) {
    if (errno != EINTR) return Internal(Errno("cannot lock " + lock_path_));
  }
  return fd;
}

Status DiskCacheDir::Walk(bool remove_stale_temps, bool remove_all, Usage* usage,
                          std::vector<Entry>* blocks) const {
  const int64_t now = NowNs();
  for (int sub = 0; sub < 256; ++sub) {
    char name[4];
    std::snprintf(name, sizeof(name), "%02x", sub);
    const std::string dir_path = blocks_dir_ + "/" + name;
    DIR* dir = ::opendir(dir_path.c_str());
    if (dir == nullptr) continue;  // not created yet
    while (dirent* entry = ::readdir(dir)) {
      const std::string file = entry->d_name;
      const bool temp = file.rfind(".tmp-", 0) == 0;
      const bool block = file.size() > 4 && file.compare(file.size() - 4, 4, ".blk") == 0;
      if (!temp && !block) continue;
      const std::string path = dir_path + "/" + file;
      struct stat st;
      if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
      const int64_t mtime = int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
      const uint64_t bytes = uint64_t(st.st_size);
      if (temp) {
        const bool stale = !WriterAlive(file) || now - mtime > kStaleTempNs;
        if (remove_all || (remove_stale_temps && stale)) {
          if (::unlink(path.c_str()) == 0 && remove_all) {
            ++usage->temp_files;
            usage->temp_bytes += bytes;
          }
          continue;
        }
        ++usage->temp_files;
        usage->temp_bytes += bytes;
        continue;
      }
      if (remove_all) {
        if (::unlink(path.c_str()) != 0) continue;
      } else if (blocks != nullptr) {
        blocks->push_back({path, bytes, mtime});
      }
      ++usage->blocks;
      usage->block_bytes += bytes;
    }
    ::closedir(dir);
  }
  return DiskSpace(&usage->free_disk_bytes, &usage->disk_bytes);
}

Result<DiskCacheDir::Usage> DiskCacheDir::Scan(bool remove_stale_temps) const {
  OBJECTFS_ASSIGN_OR_RETURN(UniqueFd lock, Lock());
  Usage usage;
  OBJECTFS_RETURN_IF_ERROR(Walk(remove_stale_temps, false, &usage, nullptr));
  return usage;
}

Result<DiskCacheDir::Usage> DiskCacheDir::Evict(uint64_t max_bytes, uint64_t min_free_bytes) const {
  OBJECTFS_ASSIGN_OR_RETURN(UniqueFd lock, Lock());
  Usage usage;
  std::vector<Entry> blocks;
  OBJECTFS_RETURN_IF_ERROR(Walk(true, false, &usage, &blocks));
  if (usage.block_bytes <= max_bytes && usage.free_disk_bytes >= min_free_bytes) return usage;
  std::sort(blocks.begin(), blocks.end(),
            [](const Entry& a, const Entry& b) { return a.mtime_ns < b.mtime_ns; });
  for (const Entry& entry : blocks) {
    if (usage.block_bytes <= max_bytes && usage.free_disk_bytes >= min_free_bytes) break;
    if (::unlink(entry.path.c_str()) != 0) continue;
    --usage.blocks;
    usage.block_bytes -= entry.bytes;
    // The space returns once readers holding the file close it; counting it
    // now keeps eviction from emptying the cache for a busy reader.
    usage.free_disk_bytes += entry.bytes;
  }
  return usage;
}

Result<DiskCacheDir::Usage> DiskCacheDir::Clear() const {
  OBJECTFS_ASSIGN_OR_RETURN(UniqueFd lock, Lock());
  Usage removed;
  OBJECTFS_RETURN_IF_ERROR(Walk(false, true, &removed, nullptr));
  return removed;
}

}  // namespace objectfs::internal
