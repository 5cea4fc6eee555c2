#include "fuse_adapter.hpp"

#include <sys/uio.h>

#include <algorithm>
#include <string>
#include <vector>

#include "fs/mount_log.hpp"
#include "mount_errno.hpp"

namespace objectfs::mount {
namespace {

static_assert(kRootInode == FUSE_ROOT_ID);

FileSystem& Fs(fuse_req_t req) { return *static_cast<FileSystem*>(fuse_req_userdata(req)); }

void ReplyError(fuse_req_t req, const Status& status, std::string_view op) {
  fuse_reply_err(req, ErrnoFromStatus(status, op));
}

fuse_entry_param ToFuse(const Entry& entry) {
  fuse_entry_param e{};
  e.ino = entry.ino;
  e.attr = entry.attr;
  e.attr_timeout = entry.attr_timeout;
  e.entry_timeout = entry.entry_timeout;
  return e;
}

void OpInit(void* userdata, fuse_conn_info* conn) {
  const FsConfig& config = static_cast<FileSystem*>(userdata)->config();
  if (conn->capable & FUSE_CAP_ASYNC_READ) conn->want |= FUSE_CAP_ASYNC_READ;
  if (conn->capable & FUSE_CAP_PARALLEL_DIROPS) conn->want |= FUSE_CAP_PARALLEL_DIROPS;
  if (conn->capable & FUSE_CAP_READDIRPLUS) conn->want |= FUSE_CAP_READDIRPLUS;
  // Nothing changes under us by writing: kernel caches may stay valid.
  conn->want &= ~FUSE_CAP_AUTO_INVAL_DATA;
  // libfuse 3.14 negotiates max_pages from max_write (1 MiB buffers); reads are
  // then up to 1 MiB, readahead up to what the kernel offers.
  conn->max_readahead = std::min<unsigned>(
      conn->max_readahead,
      static_cast<unsigned>(std::min<uint64_t>(config.max_readahead, 64u << 20)));
  conn->max_background = std::max<unsigned>(conn->max_background, 64);
  conn->congestion_threshold = std::max<unsigned>(conn->congestion_threshold, 48);
  Log(LogLevel::kDebug, "init: max_write=" + std::to_string(conn->max_write) +
                            " max_read=" + std::to_string(conn->max_read) +
                            " max_readahead=" + std::to_string(conn->max_readahead));
}

void OpLookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
  FileSystem& fs = Fs(req);
  auto entry = fs.Lookup(parent, name);
  if (!entry.ok()) return ReplyError(req, entry.status(), "lookup");
  fuse_entry_param e = ToFuse(*entry);
  if (fuse_reply_entry(req, &e) != 0 && e.ino != 0) fs.Forget(e.ino, 1);
}

void OpForget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup) {
  Fs(req).Forget(ino, nlookup);
  fuse_reply_none(req);
}

void OpForgetMulti(fuse_req_t req, size_t count, fuse_forget_data* forgets) {
  for (size_t i = 0; i < count; ++i) Fs(req).Forget(forgets[i].ino, forgets[i].nlookup);
  fuse_reply_none(req);
}

void OpGetattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info* /*fi*/) {
  auto entry = Fs(req).GetAttr(ino);
  if (!entry.ok()) return ReplyError(req, entry.status(), "getattr");
  fuse_reply_attr(req, &entry->attr, entry->attr_timeout);
}

void OpOpendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  FileSystem& fs = Fs(req);
  auto handle = fs.OpenDir(ino);
  if (!handle.ok()) return ReplyError(req, handle.status(), "readdir");
  fi->fh = *handle;
  if (fuse_reply_open(req, fi) != 0) fs.ReleaseDir(fi->fh);
}

void DoReaddir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t offset, fuse_file_info* fi,
               bool plus) {
  std::vector<char> buffer(size);
  size_t used = 0;
  const uint64_t from = static_cast<uint64_t>(std::max<off_t>(offset, 0));
  Fs(req).ReadDir(fi->fh, ino, from, plus, [&](const DirItem& item) {
    const size_t rem = size - used;
    const auto next = static_cast<off_t>(item.next_offset);
    size_t n;
    if (plus) {
      fuse_entry_param e = ToFuse(item.entry);
      n = fuse_add_direntry_plus(req, buffer.data() + used, rem, item.name, &e, next);
    } else {
      n = fuse_add_direntry(req, buffer.data() + used, rem, item.name, &item.entry.attr, next);
    }
    if (n > rem) return false;
    used += n;
    return true;
  });
  fuse_reply_buf(req, buffer.data(), used);
}

void OpReaddir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t offset, fuse_file_info* fi) {
  DoReaddir(req, ino, size, offset, fi, false);
}

void OpReaddirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t offset, fuse_file_info* fi) {
  DoReaddir(req, ino, size, offset, fi, true);
}

void OpReleasedir(fuse_req_t req, fuse_ino_t /*ino*/, fuse_file_info* fi) {
  Fs(req).ReleaseDir(fi->fh);
  fuse_reply_err(req, 0);
}

void OpOpen(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  FileSystem& fs = Fs(req);
  auto opened = fs.Open(ino, fi->flags);
  if (!opened.ok()) return ReplyError(req, opened.status(), "open");
  fi->fh = opened->handle;
  fi->keep_cache = opened->keep_cache ? 1 : 0;
  if (fuse_reply_open(req, fi) != 0) fs.Release(fi->fh);
}

void OpRead(fuse_req_t req, fuse_ino_t /*ino*/, size_t size, off_t offset, fuse_file_info* fi) {
  // The reply goes to the kernel straight from the cache's buffers: no copy.
  auto pinned = Fs(req).Read(fi->fh, offset, size);
  if (!pinned.ok()) return ReplyError(req, pinned.status(), "read");
  if (pinned->slices().empty()) return (void)fuse_reply_buf(req, nullptr, 0);  // at or past EOF
  std::vector<iovec> iov;
  iov.reserve(pinned->slices().size());
  for (const auto& slice : pinned->slices()) {
    iov.push_back({const_cast<std::byte*>(slice.data()), slice.size()});
  }
  fuse_reply_iov(req, iov.data(), static_cast<int>(iov.size()));
}

void OpRelease(fuse_req_t req, fuse_ino_t /*ino*/, fuse_file_info* fi) {
  Fs(req).Release(fi->fh);
  fuse_reply_err(req, 0);
}

void OpStatfs(fuse_req_t req, fuse_ino_t /*ino*/) {
  const struct statvfs st = Fs(req).StatFs();
  fuse_reply_statfs(req, &st);
}

// Read-only: every change is EROFS (a later issue adds writes).
void ReplyReadOnly(fuse_req_t req) {
  ReplyError(req, ReadOnly("the mount is read-only"), "change");
}

void ErofsName(fuse_req_t req, fuse_ino_t, const char*) { ReplyReadOnly(req); }

fuse_lowlevel_ops MakeOps() {
  fuse_lowlevel_ops ops{};
  ops.init = OpInit;
  ops.lookup = OpLookup;
  ops.forget = OpForget;
  ops.forget_multi = OpForgetMulti;
  ops.getattr = OpGetattr;
  ops.opendir = OpOpendir;
  ops.readdir = OpReaddir;
  ops.readdirplus = OpReaddirplus;
  ops.releasedir = OpReleasedir;
  ops.open = OpOpen;
  ops.read = OpRead;
  ops.release = OpRelease;
  ops.statfs = OpStatfs;
  ops.unlink = ErofsName;
  ops.rmdir = ErofsName;
  ops.removexattr = ErofsName;
  ops.mkdir = [](fuse_req_t req, fuse_ino_t, const char*, mode_t) { ReplyReadOnly(req); };
  ops.mknod = [](fuse_req_t req, fuse_ino_t, const char*, mode_t, dev_t) { ReplyReadOnly(req); };
  ops.symlink = [](fuse_req_t req, const char*, fuse_ino_t, const char*) { ReplyReadOnly(req); };
  ops.link = [](fuse_req_t req, fuse_ino_t, fuse_ino_t, const char*) { ReplyReadOnly(req); };
  ops.rename = [](fuse_req_t req, fuse_ino_t, const char*, fuse_ino_t, const char*, unsigned int) {
    ReplyReadOnly(req);
  };
  ops.setattr = [](fuse_req_t req, fuse_ino_t, struct stat*, int, fuse_file_info*) {
    ReplyReadOnly(req);
  };
  ops.write = [](fuse_req_t req, fuse_ino_t, const char*, size_t, off_t, fuse_file_info*) {
    ReplyReadOnly(req);
  };
  ops.create = [](fuse_req_t req, fuse_ino_t, const char*, mode_t, fuse_file_info*) {
    ReplyReadOnly(req);
  };
  ops.setxattr = [](fuse_req_t req, fuse_ino_t, const char*, const char*, size_t, int) {
    ReplyReadOnly(req);
  };
  return ops;
}

}  // namespace

const fuse_lowlevel_ops& FsOperations() {
  static const fuse_lowlevel_ops ops = MakeOps();
  return ops;
}

}  // namespace objectfs::mount
