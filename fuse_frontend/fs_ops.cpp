#include "fs_ops.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "mount_errno.hpp"
#include "mount_log.hpp"

namespace objectfs::mount {
namespace {

struct OpenFile {
  std::shared_ptr<File> file;
};

struct OpenDir {
  fuse_ino_t parent = FUSE_ROOT_ID;  // d_ino of "..": the kernel does not use it
  std::string key;
  std::shared_ptr<const std::vector<DirEntry>> entries;
};

FsContext& Ctx(fuse_req_t req) { return *static_cast<FsContext*>(fuse_req_userdata(req)); }

timespec ToTimespec(std::chrono::system_clock::time_point t) {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch());
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(ns.count() / 1000000000);
  ts.tv_nsec = static_cast<long>(ns.count() % 1000000000);
  return ts;
}

struct stat MakeStat(const FsContext& ctx, fuse_ino_t ino, const EntryAttr& attr) {
  struct stat st {};
  st.st_ino = ino;
  st.st_uid = ctx.config.uid;
  st.st_gid = ctx.config.gid;
  st.st_blksize = 4096;
  if (attr.is_dir) {
    st.st_mode = S_IFDIR | ctx.config.dir_mode;
    st.st_nlink = 2;
    st.st_size = 4096;
    st.st_mtim = ToTimespec(ctx.mount_time);
  } else {
    st.st_mode = S_IFREG | ctx.config.file_mode;
    st.st_nlink = 1;
    st.st_size = static_cast<off_t>(attr.size);
    st.st_mtim = ToTimespec(attr.mtime);
  }
  st.st_blocks = (st.st_size + 511) / 512;
  st.st_atim = st.st_mtim;
  st.st_ctim = st.st_mtim;
  return st;
}

void ReplyError(fuse_req_t req, const Status& status, std::string_view op) {
  fuse_reply_err(req, ErrnoFromStatus(status, op));
}

// The attributes of an existing inode (looked up through the metadata cache).
Result<std::optional<EntryAttr>> AttrOf(FsContext& ctx, const InodeRef& node) {
  if (node.ino == FUSE_ROOT_ID) return std::optional<EntryAttr>(EntryAttr{true, 0, {}, {}});
  std::string parent, name;
  SplitKey(node.key, &parent, &name);
  OBJECTFS_ASSIGN_OR_RETURN(auto attr, ctx.metadata.Lookup(parent, name));
  if (!attr || attr->is_dir != node.is_dir) return std::optional<EntryAttr>();
  return attr;
}

fuse_entry_param MakeEntry(FsContext& ctx, fuse_ino_t ino, const EntryAttr& attr) {
  fuse_entry_param e{};
  e.ino = ino;
  e.attr = MakeStat(ctx, ino, attr);
  e.attr_timeout = ctx.config.timeout_s;
  e.entry_timeout = ctx.config.timeout_s;
  return e;
}

void OpInit(void* userdata, fuse_conn_info* conn) {
  auto& ctx = *static_cast<FsContext*>(userdata);
  if (conn->capable & FUSE_CAP_ASYNC_READ) conn->want |= FUSE_CAP_ASYNC_READ;
  if (conn->capable & FUSE_CAP_PARALLEL_DIROPS) conn->want |= FUSE_CAP_PARALLEL_DIROPS;
  if (conn->capable & FUSE_CAP_READDIRPLUS) conn->want |= FUSE_CAP_READDIRPLUS;
  // Nothing changes under us by writing: kernel caches may stay valid.
  conn->want &= ~FUSE_CAP_AUTO_INVAL_DATA;
  // libfuse 3.14 negotiates max_pages from max_write (1 MiB buffers); reads are
  // then up to 1 MiB, readahead up to what the kernel offers.
  conn->max_readahead = std::min<unsigned>(
      conn->max_readahead,
      static_cast<unsigned>(std::min<uint64_t>(ctx.config.max_readahead, 64u << 20)));
  conn->max_background = std::max<unsigned>(conn->max_background, 64);
  conn->congestion_threshold = std::max<unsigned>(conn->congestion_threshold, 48);
  Log(LogLevel::kDebug, "init: max_write=" + std::to_string(conn->max_write) +
                            " max_read=" + std::to_string(conn->max_read) +
                            " max_readahead=" + std::to_string(conn->max_readahead));
}

void OpLookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
  FsContext& ctx = Ctx(req);
  auto dir = ctx.inodes.Get(parent);
  if (!dir || !dir->is_dir) return (void)fuse_reply_err(req, dir ? ENOTDIR : ENOENT);
  auto attr = ctx.metadata.Lookup(dir->key, name);
  if (!attr.ok()) return ReplyError(req, attr.status(), "lookup " + dir->key + name);
  if (!attr->has_value()) {
    fuse_entry_param e{};
    e.ino = 0;  // a negative entry, cached by the kernel
    e.entry_timeout = ctx.config.negative_timeout_s;
    return (void)fuse_reply_entry(req, &e);
  }
  const EntryAttr& a = **attr;
  const std::string key = dir->key + name + (a.is_dir ? "/" : "");
  const fuse_ino_t ino = ctx.inodes.Ref(key, a.is_dir);
  fuse_entry_param e = MakeEntry(ctx, ino, a);
  if (fuse_reply_entry(req, &e) != 0) ctx.inodes.Forget(ino, 1);
}

void OpForget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup) {
  Ctx(req).inodes.Forget(ino, nlookup);
  fuse_reply_none(req);
}

void OpForgetMulti(fuse_req_t req, size_t count, fuse_forget_data* forgets) {
  for (size_t i = 0; i < count; ++i) Ctx(req).inodes.Forget(forgets[i].ino, forgets[i].nlookup);
  fuse_reply_none(req);
}

void OpGetattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info* /*fi*/) {
  FsContext& ctx = Ctx(req);
  auto node = ctx.inodes.Get(ino);
  if (!node) return (void)fuse_reply_err(req, ENOENT);
  auto attr = AttrOf(ctx, *node);
  if (!attr.ok()) return ReplyError(req, attr.status(), "getattr " + node->key);
  if (!attr->has_value()) return (void)fuse_reply_err(req, ENOENT);
  struct stat st = MakeStat(ctx, ino, **attr);
  fuse_reply_attr(req, &st, ctx.config.timeout_s);
}

void OpOpendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  FsContext& ctx = Ctx(req);
  auto node = ctx.inodes.Get(ino);
  if (!node) return (void)fuse_reply_err(req, ENOENT);
  if (!node->is_dir) return (void)fuse_reply_err(req, ENOTDIR);
  auto entries = ctx.metadata.ReadDir(node->key);
  if (!entries.ok()) return ReplyError(req, entries.status(), "readdir " + node->key);
  auto handle = std::make_shared<OpenDir>();
  handle->key = node->key;
  handle->entries = *entries;
  fi->fh = ctx.handles.Add(std::move(handle));
  if (fuse_reply_open(req, fi) != 0) ctx.handles.Remove(fi->fh);
}

void DoReaddir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t offset, fuse_file_info* fi,
               bool plus) {
  FsContext& ctx = Ctx(req);
  auto* handle = reinterpret_cast<OpenDir*>(fi->fh);
  const auto& entries = *handle->entries;
  std::vector<char> buffer(size);
  size_t used = 0;
  const size_t total = entries.size() + 2;
  for (size_t i = static_cast<size_t>(std::max<off_t>(offset, 0)); i < total; ++i) {
    const char* name = nullptr;
    struct stat st {};
    fuse_entry_param e{};
    fuse_ino_t ref = 0;
    if (i < 2) {
      name = i == 0 ? "." : "..";
      st.st_ino = i == 0 ? ino : handle->parent;
      st.st_mode = S_IFDIR;
      e.attr = st;
    } else {
      const DirEntry& entry = entries[i - 2];
      name = entry.name.c_str();
      const std::string key = handle->key + entry.name + (entry.attr.is_dir ? "/" : "");
      if (plus) {
        ref = ctx.inodes.Ref(key, entry.attr.is_dir);
        e = MakeEntry(ctx, ref, entry.attr);
      } else {
        st.st_ino = 0xffffffff;  // unknown: the kernel looks names up
        st.st_mode = entry.attr.is_dir ? S_IFDIR : S_IFREG;
      }
    }
    const size_t rem = size - used;
    const size_t n = plus ? fuse_add_direntry_plus(req, buffer.data() + used, rem, name, &e,
                                                   static_cast<off_t>(i + 1))
                          : fuse_add_direntry(req, buffer.data() + used, rem, name, &st,
                                              static_cast<off_t>(i + 1));
    if (n > rem) {
      if (ref != 0) ctx.inodes.Forget(ref, 1);
      break;
    }
    used += n;
  }
  fuse_reply_buf(req, buffer.data(), used);
}

void OpReaddir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t offset, fuse_file_info* fi) {
  DoReaddir(req, ino, size, offset, fi, false);
}

void OpReaddirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t offset, fuse_file_info* fi) {
  DoReaddir(req, ino, size, offset, fi, true);
}

void OpReleasedir(fuse_req_t req, fuse_ino_t /*ino*/, fuse_file_info* fi) {
  Ctx(req).handles.Remove(fi->fh);
  fuse_reply_err(req, 0);
}

void OpOpen(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  FsContext& ctx = Ctx(req);
  if ((fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC) != 0) {
    return (void)fuse_reply_err(req, EROFS);
  }
  auto node = ctx.inodes.Get(ino);
  if (!node) return (void)fuse_reply_err(req, ENOENT);
  if (node->is_dir) return (void)fuse_reply_err(req, EISDIR);
  auto file = ctx.client->Open(ctx.config.uri_base + node->key);
  if (!file.ok()) return ReplyError(req, file.status(), "open " + node->key);
  // The kernel's page cache of this inode holds bytes of the ETag seen at the
  // previous open: keep it only while the object is unchanged.
  const std::string previous = ctx.inodes.ExchangeOpenETag(ino, (*file)->ETag());
  fi->keep_cache = previous == (*file)->ETag() ? 1 : 0;
  if (!previous.empty() && !fi->keep_cache) {
    Log(LogLevel::kInfo, "open " + node->key + ": object changed (ETag " + previous + " -> " +
                             (*file)->ETag() + "), dropping cached pages");
  }
  fi->fh = ctx.handles.Add(std::make_shared<OpenFile>(OpenFile{std::move(*file)}));
  if (fuse_reply_open(req, fi) != 0) ctx.handles.Remove(fi->fh);
}

void OpRead(fuse_req_t req, fuse_ino_t /*ino*/, size_t size, off_t offset, fuse_file_info* fi) {
  auto* handle = reinterpret_cast<OpenFile*>(fi->fh);
  const File& file = *handle->file;
  if (offset < 0) return (void)fuse_reply_err(req, EINVAL);
  // The reply goes to the kernel straight from the cache's buffers: no copy.
  auto pinned = file.PReadPinned(static_cast<uint64_t>(offset), size);
  if (!pinned.ok()) return ReplyError(req, pinned.status(), "read " + file.uri().ToString());
  if (pinned->slices().empty()) return (void)fuse_reply_buf(req, nullptr, 0);  // at or past EOF
  std::vector<iovec> iov;
  iov.reserve(pinned->slices().size());
  for (const auto& slice : pinned->slices()) {
    iov.push_back({const_cast<std::byte*>(slice.data()), slice.size()});
  }
  fuse_reply_iov(req, iov.data(), static_cast<int>(iov.size()));
}

void OpRelease(fuse_req_t req, fuse_ino_t /*ino*/, fuse_file_info* fi) {
  Ctx(req).handles.Remove(fi->fh);
  fuse_reply_err(req, 0);
}

void OpStatfs(fuse_req_t req, fuse_ino_t /*ino*/) {
  struct statvfs st {};
  st.f_bsize = 4096;
  st.f_frsize = 4096;
  st.f_blocks = 1ull << 40;  // 4 PiB: object stores have no fixed size
  st.f_bfree = 0;
  st.f_bavail = 0;
  st.f_files = 1ull << 32;
  st.f_ffree = 0;
  st.f_favail = 0;
  st.f_namemax = 255;
  st.f_flag = ST_RDONLY | ST_NOSUID | ST_NODEV;
  fuse_reply_statfs(req, &st);
}

void ErofsName(fuse_req_t req, fuse_ino_t, const char*) { fuse_reply_err(req, EROFS); }

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
  // Read-only: every change is EROFS (a later issue adds writes).
  ops.unlink = ErofsName;
  ops.rmdir = ErofsName;
  ops.removexattr = ErofsName;
  ops.mkdir = [](fuse_req_t req, fuse_ino_t, const char*, mode_t) { fuse_reply_err(req, EROFS); };
  ops.mknod = [](fuse_req_t req, fuse_ino_t, const char*, mode_t, dev_t) {
    fuse_reply_err(req, EROFS);
  };
  ops.symlink = [](fuse_req_t req, const char*, fuse_ino_t, const char*) {
    fuse_reply_err(req, EROFS);
  };
  ops.link = [](fuse_req_t req, fuse_ino_t, fuse_ino_t, const char*) {
    fuse_reply_err(req, EROFS);
  };
  ops.rename = [](fuse_req_t req, fuse_ino_t, const char*, fuse_ino_t, const char*, unsigned int) {
    fuse_reply_err(req, EROFS);
  };
  ops.setattr = [](fuse_req_t req, fuse_ino_t, struct stat*, int, fuse_file_info*) {
    fuse_reply_err(req, EROFS);
  };
  ops.write = [](fuse_req_t req, fuse_ino_t, const char*, size_t, off_t, fuse_file_info*) {
    fuse_reply_err(req, EROFS);
  };
  ops.create = [](fuse_req_t req, fuse_ino_t, const char*, mode_t, fuse_file_info*) {
    fuse_reply_err(req, EROFS);
  };
  ops.setxattr = [](fuse_req_t req, fuse_ino_t, const char*, const char*, size_t, int) {
    fuse_reply_err(req, EROFS);
  };
  return ops;
}

}  // namespace

const fuse_lowlevel_ops& FsOperations() {
  static const fuse_lowlevel_ops ops = MakeOps();
  return ops;
}

}  // namespace objectfs::mount
