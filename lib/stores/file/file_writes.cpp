// Local files written atomically: a temporary file in the target's
// directory, fsync, then rename (or link, for no-overwrite) onto the target.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <random>

#include "stores/file/file_store.hpp"
#include "util/unique_fd.hpp"

namespace objectfs::internal {
namespace {

std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string TemporaryNameFor(const std::string& path) {
  std::random_device random;
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  // At most 64 bytes of the name: a target near NAME_MAX still gets one.
  const std::string base =
      (slash == std::string::npos ? path : path.substr(slash + 1)).substr(0, 64);
  return dir + ".objectfs-" + std::to_string(random()) + "-" + base + ".part";
}

Status WriteAll(int fd, uint64_t offset, std::span<const std::byte> bytes,
                const std::string& path) {
  while (!bytes.empty()) {
    const ssize_t n = ::pwrite(fd, bytes.data(), bytes.size(), static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, path);
    }
    bytes = bytes.subspan(static_cast<size_t>(n));
    offset += static_cast<uint64_t>(n);
  }
  return Status::Ok();
}

class FileUpload : public StoreUpload {
 public:
  FileUpload(std::string path, std::string temporary, UniqueFd fd, bool no_overwrite)
      : path_(std::move(path)),
        temporary_(std::move(temporary)),
        fd_(std::move(fd)),
        no_overwrite_(no_overwrite) {}
  ~FileUpload() override {
    if (!committed_) ::unlink(temporary_.c_str());
  }

  std::string id() const override { return temporary_; }

  Status UploadPart(int, uint64_t offset, std::span<const std::byte> bytes) override {
    return WriteAll(fd_.get(), offset, bytes, path_);
  }

  Result<ObjectInfo> Commit(int, uint64_t) override {
    // The mode a new file would have had (the umask applies), not 0600.
    const mode_t mask = ::umask(0);
    ::umask(mask);
    if (::fchmod(fd_.get(), 0666 & ~mask) != 0 || ::fsync(fd_.get()) != 0) {
      return ErrnoStatus(errno, path_);
    }
    if (no_overwrite_) {
      if (::link(temporary_.c_str(), path_.c_str()) != 0) return ErrnoStatus(errno, path_);
      ::unlink(temporary_.c_str());
    } else if (::rename(temporary_.c_str(), path_.c_str()) != 0) {
      return ErrnoStatus(errno, path_);
    }
    committed_ = true;
    // The new name survives a crash once its directory is on disk too.
    UniqueFd dir(::open(DirectoryOf(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir.valid()) ::fsync(dir.get());
    struct stat st {};
    if (::fstat(fd_.get(), &st) != 0) return ErrnoStatus(errno, path_);
    return InfoOf(path_, st);
  }

  Status Abort() override {
    if (!committed_) ::unlink(temporary_.c_str());
    return Status::Ok();
  }

 private:
  const std::string path_;
  const std::string temporary_;
  UniqueFd fd_;
  const bool no_overwrite_;
  bool committed_ = false;
};

}  // namespace

StoreCapabilities FileStore::Capabilities() const {
  StoreCapabilities caps;
  caps.local = true;
  caps.listing_pins = true;  // List and Stat build the ETag from the same stat(2)
  caps.write = caps.remove = caps.conditional_create = true;
  return caps;
}

Result<std::unique_ptr<StoreUpload>> FileStore::StartUpload(std::string_view key,
                                                            const WriteConditions& conditions) {
  const std::string path(key);
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return ErrnoStatus(EISDIR, path);
  std::string temporary = TemporaryNameFor(path);
  UniqueFd fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd.valid() && errno == ENOENT) {
    // Keys are names, as in an object store: their directories are made.
    std::error_code ec;
    std::filesystem::create_directories(DirectoryOf(path), ec);
    fd = UniqueFd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  }
  if (!fd.valid()) return ErrnoStatus(errno, path);
  return std::unique_ptr<StoreUpload>(std::make_unique<FileUpload>(
      path, std::move(temporary), std::move(fd), conditions.if_none_match));
}

Result<ObjectInfo> FileStore::Put(std::string_view key, std::span<const std::byte> bytes,
                                  const WriteConditions& conditions) {
  OBJECTFS_ASSIGN_OR_RETURN(std::unique_ptr<StoreUpload> upload, StartUpload(key, conditions));
  OBJECTFS_RETURN_IF_ERROR(upload->UploadPart(1, 0, bytes));
  return upload->Commit(1, bytes.size());
}

Status FileStore::Delete(std::string_view key) {
  const std::string path(key);
  if (::unlink(path.c_str()) != 0) return ErrnoStatus(errno, path);
  return Status::Ok();
}

}  // namespace objectfs::internal
