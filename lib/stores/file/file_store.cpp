#include "stores/file/file_store.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace objectfs::internal {

Status ErrnoStatus(int err, std::string_view path) {
  std::string message = "'" + std::string(path) + "': " + std::strerror(err);
  switch (err) {
    case ENOENT:
    case ENOTDIR:
      return NotFound(std::move(message));
    case EACCES:
    case EPERM:
      return PermissionDenied(std::move(message));
    case EISDIR:
      return InvalidArgument(std::move(message));
    case EEXIST:
      return AlreadyExists(std::move(message));
    case EROFS:
      return ReadOnly(std::move(message));
    default:
      return Internal(std::move(message));
  }
}

namespace {

std::string EtagOf(const struct stat& st) {
  char buffer[96];
  std::snprintf(buffer, sizeof(buffer), "\"%llx-%llx-%llx-%llx.%09ld\"",
                static_cast<unsigned long long>(st.st_dev),
                static_cast<unsigned long long>(st.st_ino),
                static_cast<unsigned long long>(st.st_size),
                static_cast<unsigned long long>(st.st_mtim.tv_sec), st.st_mtim.tv_nsec);
  return buffer;
}

}  // namespace

ObjectInfo InfoOf(std::string key, const struct stat& st) {
  ObjectInfo info;
  info.key = std::move(key);
  info.size = static_cast<uint64_t>(st.st_size);
  info.etag = EtagOf(st);
  info.mtime = std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec)));
  return info;
}

namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Walks `dir` (whose keys start with `dir_key`) collecting entries under prefix.
void Collect(const std::string& dir_key, const ListRequest& request, ListPage* out) {
  const std::string path = dir_key.empty() ? "." : dir_key;
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) return;
  while (dirent* entry = ::readdir(dir)) {
    const std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    const std::string key = dir_key + std::string(name);
    // Descend only where the prefix can still match.
    const size_t common = std::min(key.size(), request.prefix.size());
    if (key.compare(0, common, request.prefix, 0, common) != 0) continue;
    struct stat st;
    if (::stat(key.c_str(), &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      if (key.size() >= request.prefix.size() && request.delimiter == "/") {
        out->common_prefixes.push_back(key + "/");
      } else {
        Collect(key + "/", request, out);
      }
    } else if (S_ISREG(st.st_mode) && key.size() >= request.prefix.size()) {
      out->objects.push_back(InfoOf(key, st));
    }
  }
  ::closedir(dir);
}

}  // namespace

Result<ObjectInfo> FileStore::Stat(std::string_view key) {
  const std::string path(key);
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return ErrnoStatus(errno, key);
  if (!S_ISREG(st.st_mode)) return InvalidArgument("'" + path + "' is not a regular file");
  return InfoOf(path, st);
}

Result<size_t> FileStore::Read(std::string_view key, ByteRange range, std::span<std::byte> out,
                               const ReadConditions& conditions) {
  if (out.size() < range.length) return InvalidArgument("read buffer smaller than the range");
  const std::string path(key);
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoStatus(errno, key);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return ErrnoStatus(errno, key);
  if (!conditions.if_match.empty() && EtagOf(st) != conditions.if_match) {
    return ObjectChanged("'" + path + "' changed since it was opened");
  }
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (range.offset > size) {
    return OutOfRange("offset " + std::to_string(range.offset) + " is past the end of '" + path +
                      "' (size " + std::to_string(size) + ")");
  }
  const size_t want = static_cast<size_t>(std::min<uint64_t>(range.length, size - range.offset));
  size_t done = 0;
  while (done < want) {
    const ssize_t n =
        ::pread(fd.get(), out.data() + done, want - done, static_cast<off_t>(range.offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus(errno, key);
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  if (done != want) return ObjectChanged("'" + path + "' shrank while being read");
  return done;
}

Result<ListPage> FileStore::List(const ListRequest& request) {
  const size_t slash = request.prefix.rfind('/');
  const std::string dir_key = slash == std::string::npos ? "" : request.prefix.substr(0, slash + 1);
  ListPage all;
  Collect(dir_key, request, &all);
  if (all.objects.empty() && all.common_prefixes.empty() && !dir_key.empty()) {
    struct stat st;
    if (::stat(dir_key.c_str(), &st) != 0) return ErrnoStatus(errno, dir_key);
  }
  std::sort(all.objects.begin(), all.objects.end(),
            [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
  std::sort(all.common_prefixes.begin(), all.common_prefixes.end());
  // Page by key: the token is the last key (or prefix) of the previous page.
  ListPage page;
  size_t oi = 0, pi = 0;
  while (oi < all.objects.size() && all.objects[oi].key <= request.page_token &&
         !request.page_token.empty())
    ++oi;
  while (pi < all.common_prefixes.size() && all.common_prefixes[pi] <= request.page_token &&
         !request.page_token.empty())
    ++pi;
  std::string last;
  for (int n = 0; n < request.max_keys; ++n) {
    const bool take_object =
        oi < all.objects.size() &&
        (pi >= all.common_prefixes.size() || all.objects[oi].key < all.common_prefixes[pi]);
    if (take_object) {
      last = all.objects[oi].key;
      page.objects.push_back(std::move(all.objects[oi++]));
    } else if (pi < all.common_prefixes.size()) {
      last = all.common_prefixes[pi];
      page.common_prefixes.push_back(std::move(all.common_prefixes[pi++]));
    } else {
      break;
    }
  }
  if (oi < all.objects.size() || pi < all.common_prefixes.size()) page.next_page_token = last;
  return page;
}

}  // namespace objectfs::internal
