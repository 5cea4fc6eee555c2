#include "fuse_adapter.hpp"

#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <span>
#include <string>
#include <vector>

#include "fs/mount_log.hpp"
#include "mount_errno.hpp"

namespace objectfs::mount {
namespace {

static_assert(kRootInode == FUSE_ROOT_ID);

FileSystem& Fs(fuse_req_t req) { return *static_cast<FileSystem*>(fuse_req_userdata(req)); }

// Whether the operation this thread is answering replied with an error (the
// metrics' result label). Set by the two functions below, read by Timed.
thread_local bool t_reply_failed = false;

void ReplyError(fuse_req_t req, const Status& status, std::string_view op) {
  t_reply_failed = true;
  fuse_reply_err(req, ErrnoFromStatus(status, op));
}

void ReplyErrno(fuse_req_t req, int err) {
  if (err != 0) t_reply_failed = true;
  fuse_reply_err(req, err);
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
  // Writes go straight to us, in order (a write-back cache would reorder and
  // read back pages), and open(O_TRUNC) arrives as one open, not setattr+open.
  conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
  if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC) conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
  // libfuse 3.14 negotiates max_pages from max_write (1 MiB buffers); reads are
  // then up to 1 MiB, readahead up to what the kernel offers.
  conn->max_readahead = std::min<unsigned>(
      conn->max_readahead,
      static_cast<unsigned>(std::min<uint64_t>(config.max_readahead, 64u << 20)));
  // The kernel's readahead and mmap read-around are background requests; at
  // max_background the next reader blocks in the kernel until one completes.
  // A reader jumping between tensors sends many at once (read-around of other
  // tensors, misses that wait for a GET), so a low limit stalls reads whose
  // bytes are here already (docs/benchmarks.md, tensor order). Each request
  // may hold a 1 MiB read in the budget: at most half of it in requests.
  conn->max_background = std::max<unsigned>(
      conn->max_background,
      static_cast<unsigned>(std::clamp<uint64_t>(config.memory_budget / 2 >> 20, 64, 1024)));
  conn->congestion_threshold = std::max<unsigned>(conn->congestion_threshold, 48);
  Log(LogLevel::kDebug, "init: max_write=" + std::to_string(conn->max_write) +
                            " max_read=" + std::to_string(conn->max_read) +
                            " max_readahead=" + std::to_string(conn->max_readahead) +
                            " max_background=" + std::to_string(conn->max_background));
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
  if (fuse_reply_open(req, fi) != 0) return fs.Release(fi->fh);
  fs.metrics().FileOpened();
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
  Fs(req).metrics().FileReleased();
  fuse_reply_err(req, 0);
}

void OpStatfs(fuse_req_t req, fuse_ino_t /*ino*/) {
  const struct statvfs st = Fs(req).StatFs();
  fuse_reply_statfs(req, &st);
}

// Writes (FileSystem::Create ... RemoveDir): each refuses on a read-only mount.

void OpCreate(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t /*mode*/,
              fuse_file_info* fi) {
  FileSystem& fs = Fs(req);
  auto created = fs.Create(parent, name, fi->flags);
  if (!created.ok()) return ReplyError(req, created.status(), "create");
  fi->fh = created->handle;
  fuse_entry_param e = ToFuse(created->entry);
  if (fuse_reply_create(req, &e, fi) != 0) {
    fs.Release(fi->fh);
    fs.Forget(e.ino, 1);
    return;
  }
  fs.metrics().FileOpened();
}

void OpWrite(fuse_req_t req, fuse_ino_t /*ino*/, const char* buf, size_t size, off_t offset,
             fuse_file_info* fi) {
  // The Writer copies the bytes into its part buffer: the one copy.
  auto written = Fs(req).Write(
      fi->fh, offset, std::span<const std::byte>(reinterpret_cast<const std::byte*>(buf), size));
  if (!written.ok()) return ReplyError(req, written.status(), "write");
  fuse_reply_write(req, *written);
}

// close(2) returns what flush answers: a failed upload is EIO there.
void OpFlush(fuse_req_t req, fuse_ino_t /*ino*/, fuse_file_info* fi) {
  ReplyErrno(req, ErrnoFromStatus(Fs(req).Flush(fi->fh), "close"));
}

void OpFsync(fuse_req_t req, fuse_ino_t /*ino*/, int /*datasync*/, fuse_file_info* fi) {
  ReplyErrno(req, ErrnoFromStatus(Fs(req).Fsync(fi->fh), "fsync"));
}

void OpSetattr(fuse_req_t req, fuse_ino_t ino, struct stat* attr, int to_set,
               fuse_file_info* /*fi*/) {
  AttrChange change;
  if ((to_set & FUSE_SET_ATTR_MODE) != 0) change.mode = attr->st_mode & 07777;
  if ((to_set & FUSE_SET_ATTR_UID) != 0) change.uid = attr->st_uid;
  if ((to_set & FUSE_SET_ATTR_GID) != 0) change.gid = attr->st_gid;
  if ((to_set & FUSE_SET_ATTR_SIZE) != 0) change.size = static_cast<uint64_t>(attr->st_size);
  auto entry = Fs(req).SetAttr(ino, change);
  if (!entry.ok()) return ReplyError(req, entry.status(), "setattr");
  fuse_reply_attr(req, &entry->attr, entry->attr_timeout);
}

void OpMkdir(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t /*mode*/) {
  FileSystem& fs = Fs(req);
  auto entry = fs.MakeDir(parent, name);
  if (!entry.ok()) return ReplyError(req, entry.status(), "mkdir");
  fuse_entry_param e = ToFuse(*entry);
  if (fuse_reply_entry(req, &e) != 0) fs.Forget(e.ino, 1);
}

void OpUnlink(fuse_req_t req, fuse_ino_t parent, const char* name) {
  ReplyErrno(req, ErrnoFromStatus(Fs(req).Unlink(parent, name), "unlink"));
}

void OpRmdir(fuse_req_t req, fuse_ino_t parent, const char* name) {
  ReplyErrno(req, ErrnoFromStatus(Fs(req).RemoveDir(parent, name), "rmdir"));
}

void ReplyUnsupported(fuse_req_t req, std::string_view what) {
  ReplyError(req, Fs(req).Unsupported(what), what);
}

// Extended attributes: none are kept. ENOTSUP on a read-write mount.
void ReplyNoXattr(fuse_req_t req) {
  if (!Fs(req).config().read_write) {
    return ReplyError(req, ReadOnly("the mount is read-only"), "setxattr");
  }
  fuse_reply_err(req, ENOTSUP);
}

// An operation, timed and counted in the FileSystem's MountMetrics.
template <FuseOp kOp, auto Fn>
struct Timed;
template <FuseOp kOp, typename... Args, void (*Fn)(fuse_req_t, Args...)>
struct Timed<kOp, Fn> {
  static void Call(fuse_req_t req, Args... args) {
    t_reply_failed = false;
    FuseOpTimer timer(Fs(req).metrics(), kOp);  // req is gone once answered
    Fn(req, args...);
    if (t_reply_failed) timer.Failed();
  }
};

fuse_lowlevel_ops MakeOps() {
  fuse_lowlevel_ops ops{};
  ops.init = OpInit;
  ops.lookup = Timed<FuseOp::kLookup, OpLookup>::Call;
  ops.forget = Timed<FuseOp::kForget, OpForget>::Call;
  ops.forget_multi = Timed<FuseOp::kForget, OpForgetMulti>::Call;
  ops.getattr = Timed<FuseOp::kGetattr, OpGetattr>::Call;
  ops.opendir = Timed<FuseOp::kOpendir, OpOpendir>::Call;
  ops.readdir = Timed<FuseOp::kReaddir, OpReaddir>::Call;
  ops.readdirplus = Timed<FuseOp::kReaddir, OpReaddirplus>::Call;
  ops.releasedir = Timed<FuseOp::kReleasedir, OpReleasedir>::Call;
  ops.open = Timed<FuseOp::kOpen, OpOpen>::Call;
  ops.read = Timed<FuseOp::kRead, OpRead>::Call;
  ops.release = Timed<FuseOp::kRelease, OpRelease>::Call;
  ops.statfs = Timed<FuseOp::kStatfs, OpStatfs>::Call;
  ops.create = Timed<FuseOp::kCreate, OpCreate>::Call;
  ops.write = Timed<FuseOp::kWrite, OpWrite>::Call;
  ops.flush = Timed<FuseOp::kFlush, OpFlush>::Call;
  ops.fsync = Timed<FuseOp::kFsync, OpFsync>::Call;
  ops.setattr = Timed<FuseOp::kSetattr, OpSetattr>::Call;
  ops.mkdir = Timed<FuseOp::kMkdir, OpMkdir>::Call;
  ops.unlink = Timed<FuseOp::kUnlink, OpUnlink>::Call;
  ops.rmdir = Timed<FuseOp::kRmdir, OpRmdir>::Call;
  ops.mknod = [](fuse_req_t req, fuse_ino_t, const char*, mode_t, dev_t) {
    ReplyUnsupported(req, "mknod");
  };
  ops.symlink = [](fuse_req_t req, const char*, fuse_ino_t, const char*) {
    ReplyUnsupported(req, "symlink");
  };
  ops.link = [](fuse_req_t req, fuse_ino_t, fuse_ino_t, const char*) {
    ReplyUnsupported(req, "link");
  };
  ops.rename = [](fuse_req_t req, fuse_ino_t, const char*, fuse_ino_t, const char*, unsigned int) {
    ReplyUnsupported(req, "rename");
  };
  ops.setxattr = [](fuse_req_t req, fuse_ino_t, const char*, const char*, size_t, int) {
    ReplyNoXattr(req);
  };
  ops.removexattr = [](fuse_req_t req, fuse_ino_t, const char*) { ReplyNoXattr(req); };
  return ops;
}

}  // namespace

const fuse_lowlevel_ops& FsOperations() {
  static const fuse_lowlevel_ops ops = MakeOps();
  return ops;
}

}  // namespace objectfs::mount
