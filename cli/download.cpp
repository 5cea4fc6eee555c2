#include "download.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

namespace objectfs::cli {
namespace {

Status PWriteAll(int fd, const std::byte* data, size_t size, uint64_t offset,
                 const std::string& path) {
  while (size > 0) {
    const ssize_t n = ::pwrite(fd, data, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Internal(path + ": write failed: " + std::strerror(errno));
    data += n;
    size -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  return Status::Ok();
}

mode_t CreationMode() {
  const mode_t mask = ::umask(0);
  ::umask(mask);
  return 0644 & ~mask;
}

// Every part of `file`, read by `workers` threads and written at its offset.
Status FetchParts(const File& file, int fd, const std::string& path, uint64_t part_size,
                  int workers) {
  const uint64_t parts = (file.Size() + part_size - 1) / part_size;
  workers = static_cast<int>(std::min<uint64_t>(parts, static_cast<uint64_t>(workers)));
  std::atomic<uint64_t> next_part{0};
  std::mutex error_mu;
  Status first_error;
  auto worker = [&] {
    std::vector<std::byte> buffer(static_cast<size_t>(std::min(part_size, file.Size())));
    for (uint64_t part = next_part++; part < parts; part = next_part++) {
      {
        std::lock_guard lock(error_mu);
        if (!first_error.ok()) return;
      }
      const uint64_t offset = part * part_size;
      auto n = file.PRead(offset, buffer);
      Status status = n.ok() ? PWriteAll(fd, buffer.data(), *n, offset, path) : n.status();
      if (!status.ok()) {
        std::lock_guard lock(error_mu);
        if (first_error.ok()) first_error = status;
        return;
      }
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < workers; ++i) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  return first_error;
}

// A device or FIFO is written in place, in order, as cp(1) does: renaming a
// file over /dev/null would destroy it. Every write and the close are checked
// (/dev/full fails).
Status StreamToExisting(const File& file, const std::string& destination, uint64_t part_size) {
  const int fd = ::open(destination.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return Internal(destination + ": cannot open: " + std::strerror(errno));
  std::vector<std::byte> buffer(static_cast<size_t>(std::min(part_size, file.Size())));
  Status status;
  for (uint64_t offset = 0; offset < file.Size() && status.ok();) {
    auto n = file.PRead(offset, buffer);
    if (!n.ok()) {
      status = n.status();
      break;
    }
    for (size_t done = 0; done < *n && status.ok();) {
      const ssize_t w = ::write(fd, buffer.data() + done, *n - done);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) {
        status = Internal(destination + ": write failed: " + std::strerror(errno));
      } else {
        done += static_cast<size_t>(w);
      }
    }
    offset += *n;
  }
  if (::close(fd) != 0 && status.ok()) {
    status = Internal(destination + ": close failed: " + std::strerror(errno));
  }
  return status;
}

}  // namespace

Status DownloadToFile(const File& file, const std::string& requested, uint64_t part_size,
                      int workers, bool no_clobber) {
  struct stat st {};
  const bool exists = ::lstat(requested.c_str(), &st) == 0;
  if (no_clobber && exists) {
    return AlreadyExists(requested + " exists and --no-clobber was given");
  }
  std::string destination = requested;
  if (exists && S_ISLNK(st.st_mode)) {
    // Through a symlink to its target, which is replaced (the link stays).
    // A dangling link is refused, as by cp(1): replacing the link itself
    // would destroy it.
    char* target = ::realpath(requested.c_str(), nullptr);
    if (target == nullptr) {
      return InvalidArgument(requested + ": not writing through a dangling symlink (" +
                             std::strerror(errno) + ")");
    }
    destination = target;
    std::free(target);
    if (::stat(destination.c_str(), &st) != 0) {
      return Internal(destination + ": cannot stat: " + std::strerror(errno));
    }
  }
  if (exists && !S_ISREG(st.st_mode)) {
    if (S_ISDIR(st.st_mode)) return InvalidArgument(destination + " is a directory");
    return StreamToExisting(file, destination, std::max<uint64_t>(1, part_size));
  }
  std::string temp = destination + ".objectfs-partial-XXXXXX";
  const int fd = ::mkstemp(temp.data());
  if (fd < 0) return Internal(destination + ": cannot create file: " + std::strerror(errno));
  ::fchmod(fd, CreationMode());
  Status status = FetchParts(file, fd, destination, std::max<uint64_t>(1, part_size), workers);
  if (::close(fd) != 0 && status.ok()) {
    status = Internal(destination + ": close failed: " + std::strerror(errno));
  }
  if (status.ok() && no_clobber) {
    // link(2) fails when the destination appeared meanwhile: never replaced.
    if (::link(temp.c_str(), destination.c_str()) != 0) {
      status = errno == EEXIST ? AlreadyExists(destination + " exists and --no-clobber was given")
                               : Internal(destination + ": link failed: " + std::strerror(errno));
    }
  } else if (status.ok() && ::rename(temp.c_str(), destination.c_str()) != 0) {
    status = Internal(destination + ": rename failed: " + std::strerror(errno));
  }
  if (!status.ok() || no_clobber) ::unlink(temp.c_str());
  return status;
}

}  // namespace objectfs::cli
