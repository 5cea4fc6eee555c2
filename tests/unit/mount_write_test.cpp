// The mount's write side (fuse_frontend/fs/file_writes.cpp) without FUSE, over
// a writable in-memory store: read-only by default, sequential uploads that
// appear at flush, overwrite and delete only when allowed, failures reported
// at close, local directories, and the operations objects do not have.
#include <fcntl.h>

#include <catch2/catch.hpp>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "core/client_core.hpp"
#include "core/file_factory.hpp"
#include "core/object_writer.hpp"
#include "fs/file_system.hpp"
#include "fs/mount_log.hpp"
#include "unit/writable_memory_store.hpp"

using namespace objectfs;
using namespace objectfs::mount;
using objectfs::testing::WritableMemoryStore;

namespace {

constexpr uint64_t kPart = 256 << 10;  // the smallest part the writer makes

// The store as the mount sees it: opens like Client::Open, writers like
// Client::Create (no_overwrite checked first), deletes like Client::Delete.
class WritableSource : public ObjectSource {
 public:
  WritableSource(std::shared_ptr<internal::ClientCore> core,
                 std::shared_ptr<WritableMemoryStore> store)
      : core_(std::move(core)), store_(std::move(store)) {}
  Result<ListPage> List(const ListRequest& request) override { return store_->List(request); }
  Result<std::shared_ptr<File>> Open(const std::string& key) override {
    OBJECTFS_ASSIGN_OR_RETURN(ObjectInfo info, store_->Stat(key));
    return internal::FileFactory::Make(core_, store_, Uri{"s3", "bucket", key}, std::move(info));
  }
  Result<std::unique_ptr<Writer>> Create(const std::string& key,
                                         const WriteOptions& options) override {
    if (options.no_overwrite && store_->Stat(key).ok()) return AlreadyExists(key + " exists");
    return internal::WriterFactory::Make(
        std::make_unique<internal::ObjectWriter>(core_, store_, Uri{"s3", "bucket", key}, options));
  }
  Status Delete(const std::string& key) override { return store_->Delete(key); }

 private:
  std::shared_ptr<internal::ClientCore> core_;
  std::shared_ptr<WritableMemoryStore> store_;
};

ClientOptions SmallParts() {
  ClientOptions options;
  options.read.part_size = kPart;
  return options;
}

struct Mounted {
  std::shared_ptr<WritableMemoryStore> store = std::make_shared<WritableMemoryStore>();
  std::shared_ptr<internal::ClientCore> core = std::make_shared<internal::ClientCore>(
      SmallParts(), [](std::string_view) { return std::optional<std::string>(); });
  std::unique_ptr<FileSystem> fs;

  void Mount(bool read_write = true, bool allow_overwrite = false, bool allow_delete = false) {
    SetLogLevel(mount::LogLevel::kError);
    FsConfig config;
    config.read_write = read_write;
    config.allow_overwrite = allow_overwrite;
    config.allow_delete = allow_delete;
    fs = std::make_unique<FileSystem>(std::make_unique<WritableSource>(core, store), config,
                                      MetadataCache::Options{});
  }

  CreatedFile Create(const std::string& name, InodeId parent = kRootInode,
                     int flags = O_WRONLY | O_CREAT | O_TRUNC) {
    auto created = fs->Create(parent, name, flags);
    REQUIRE(created.ok());
    return *created;
  }
  Status Write(uint64_t handle, uint64_t offset, const std::string& bytes) {
    auto n = fs->Write(handle, static_cast<int64_t>(offset),
                       std::as_bytes(std::span<const char>(bytes.data(), bytes.size())));
    if (!n.ok()) return n.status();
    REQUIRE(*n == bytes.size());
    return Status::Ok();
  }
  Entry Lookup(const std::string& name, InodeId parent = kRootInode) {
    auto entry = fs->Lookup(parent, name);
    REQUIRE(entry.ok());
    return *entry;
  }
  // The object's bytes in the store, or "<none>".
  std::string Stored(const std::string& key) {
    auto info = store->Stat(key);
    if (!info.ok()) return "<none>";
    std::string out(info->size, '\0');
    auto n = store->Read(key, ByteRange{0, info->size},
                         std::as_writable_bytes(std::span<char>(out.data(), out.size())), {});
    REQUIRE(n.ok());
    return out;
  }
  // The file's bytes read through the mount.
  std::string ReadBack(InodeId ino) {
    auto opened = fs->Open(ino, O_RDONLY);
    REQUIRE(opened.ok());
    auto attr = fs->GetAttr(ino);
    REQUIRE(attr.ok());
    auto pinned = fs->Read(opened->handle, 0, static_cast<size_t>(attr->attr.st_size) + 1);
    REQUIRE(pinned.ok());
    std::string out;
    for (auto slice : pinned->slices()) {
      out.append(reinterpret_cast<const char*>(slice.data()), slice.size());
    }
    fs->Release(opened->handle);
    return out;
  }
  std::vector<std::string> Names(InodeId ino = kRootInode) {
    auto handle = fs->OpenDir(ino);
    REQUIRE(handle.ok());
    std::vector<std::string> names;
    fs->ReadDir(*handle, ino, 2, false, [&](const DirItem& item) {
      names.push_back(item.name);
      return true;
    });
    fs->ReleaseDir(*handle);
    return names;
  }
};

std::string Pattern(size_t size) {
  std::string out(size, '\0');
  for (size_t i = 0; i < size; ++i) out[i] = static_cast<char>('a' + (i * 7 + i / 1000) % 26);
  return out;
}

}  // namespace

TEST_CASE("mount write: a read-only mount refuses every change with ReadOnly", "[mountwrite]") {
  Mounted m;
  m.store->Put("f", "abc");
  m.store->Put("d/x", "x");
  m.Mount(false);
  const Entry f = m.Lookup("f");
  CHECK(m.fs->Create(kRootInode, "new", O_WRONLY | O_CREAT).status().code() ==
        StatusCode::kReadOnly);
  CHECK(m.fs->Open(f.ino, O_WRONLY | O_TRUNC).status().code() == StatusCode::kReadOnly);
  CHECK(m.fs->MakeDir(kRootInode, "nd").status().code() == StatusCode::kReadOnly);
  CHECK(m.fs->Unlink(kRootInode, "f").code() == StatusCode::kReadOnly);
  CHECK(m.fs->RemoveDir(kRootInode, "d").code() == StatusCode::kReadOnly);
  CHECK(m.fs->SetAttr(f.ino, AttrChange{0600, {}, {}, {}}).status().code() ==
        StatusCode::kReadOnly);
  CHECK(m.fs->Unsupported("rename").code() == StatusCode::kReadOnly);
  CHECK((m.fs->StatFs().f_flag & ST_RDONLY) != 0);
  CHECK(m.Stored("f") == "abc");
  CHECK(m.store->puts == 0);
}

TEST_CASE("mount write: a new file streams, shows its size, and appears at flush", "[mountwrite]") {
  Mounted m;
  m.Mount();
  CHECK((m.fs->StatFs().f_flag & ST_RDONLY) == 0);
  const std::string data = Pattern(3 * kPart + 1000);
  const CreatedFile created = m.Create("new.bin");
  CHECK(S_ISREG(created.entry.attr.st_mode));
  CHECK(created.entry.attr.st_size == 0);
  // In 128 KiB pieces, as FUSE sends them.
  for (size_t off = 0; off < data.size(); off += 128 << 10) {
    REQUIRE(m.Write(created.handle, off, data.substr(off, 128 << 10)).ok());
  }
  SECTION("parts upload while the program writes; nothing is visible before the commit") {
    for (int i = 0; i < 200 && m.store->parts < 3; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    CHECK(m.store->parts == 3);
    CHECK(m.Stored("new.bin") == "<none>");
  }
  // Lookups and getattr show the bytes written so far; other opens are refused.
  const Entry during = m.Lookup("new.bin");
  CHECK(during.ino == created.entry.ino);
  CHECK(during.attr.st_size == static_cast<off_t>(data.size()));
  CHECK(m.fs->GetAttr(created.entry.ino)->attr.st_size == static_cast<off_t>(data.size()));
  CHECK(m.Names() == std::vector<std::string>{"new.bin"});
  CHECK(m.fs->Open(created.entry.ino, O_RDONLY).status().code() == StatusCode::kNotPermitted);
  CHECK(m.fs->Create(kRootInode, "new.bin", O_WRONLY | O_CREAT).status().code() ==
        StatusCode::kNotPermitted);
  CHECK(m.fs->Read(created.handle, 0, 10).status().code() == StatusCode::kNotPermitted);

  REQUIRE(m.fs->Flush(created.handle).ok());
  CHECK(m.Stored("new.bin") == data);
  CHECK(m.store->commits == 1);
  // Committed: reads back like any object, with its size, in the listing.
  CHECK(m.fs->GetAttr(created.entry.ino)->attr.st_size == static_cast<off_t>(data.size()));
  CHECK(m.ReadBack(created.entry.ino) == data);
  CHECK(m.Names() == std::vector<std::string>{"new.bin"});
  // Writes after the commit fail; later flushes and the release change nothing.
  CHECK(m.Write(created.handle, data.size(), "more").code() == StatusCode::kInvalidArgument);
  CHECK(m.fs->Flush(created.handle).ok());
  m.fs->Release(created.handle);
  CHECK(m.store->commits == 1);
  CHECK(m.Stored("new.bin") == data);
}

TEST_CASE("mount write: small files are one Put; empty files commit at release", "[mountwrite]") {
  Mounted m;
  m.Mount();
  const CreatedFile small = m.Create("small.txt");
  REQUIRE(m.Write(small.handle, 0, "hello ").ok());
  REQUIRE(m.Write(small.handle, 6, "world").ok());
  REQUIRE(m.fs->Flush(small.handle).ok());
  CHECK(m.Stored("small.txt") == "hello world");
  CHECK(m.store->puts == 1);
  CHECK(m.store->uploads == 0);
  m.fs->Release(small.handle);

  // `echo x > f`: the shell closes its first descriptor before anything is
  // written; that flush must not commit, or the writes after it would fail.
  const CreatedFile empty = m.Create("empty");
  REQUIRE(m.fs->Flush(empty.handle).ok());
  CHECK(m.Stored("empty") == "<none>");
  SECTION("written after the early flush") {
    REQUIRE(m.Write(empty.handle, 0, "x\n").ok());
    REQUIRE(m.fs->Flush(empty.handle).ok());
    CHECK(m.Stored("empty") == "x\n");
  }
  SECTION("never written: the release commits an empty object") {
    m.fs->Release(empty.handle);
    CHECK(m.Stored("empty").empty());
    CHECK(m.Lookup("empty").attr.st_size == 0);
  }
}

TEST_CASE("mount write: fsync commits early; later writes fail", "[mountwrite]") {
  Mounted m;
  m.Mount();
  const CreatedFile f = m.Create("synced");
  REQUIRE(m.Write(f.handle, 0, "abc").ok());
  REQUIRE(m.fs->Fsync(f.handle).ok());
  CHECK(m.Stored("synced") == "abc");
  CHECK(m.Write(f.handle, 3, "def").code() == StatusCode::kInvalidArgument);
  CHECK(m.fs->Fsync(f.handle).ok());
  CHECK(m.fs->Flush(f.handle).ok());
  m.fs->Release(f.handle);
  CHECK(m.Stored("synced") == "abc");
  CHECK(m.store->puts == 1);
}

TEST_CASE("mount write: a non-sequential write fails and aborts the upload", "[mountwrite]") {
  Mounted m;
  m.Mount();
  const CreatedFile f = m.Create("seek.bin");
  const std::string data = Pattern(kPart + 10);
  REQUIRE(m.Write(f.handle, 0, data).ok());
  SECTION("backwards") { CHECK(m.Write(f.handle, 5, "x").code() == StatusCode::kInvalidArgument); }
  SECTION("past the end (a hole)") {
    CHECK(m.Write(f.handle, data.size() + 1, "x").code() == StatusCode::kInvalidArgument);
  }
  // close() reports it (EIO); nothing appears, the name is gone.
  const Status closed = m.fs->Flush(f.handle);
  CHECK(closed.code() == StatusCode::kDataLoss);
  CHECK(closed.message().find("sequentially") != std::string::npos);
  m.fs->Release(f.handle);
  CHECK(m.Stored("seek.bin") == "<none>");
  CHECK(m.store->aborts == 1);
  CHECK(m.Lookup("seek.bin").ino == 0);
}

TEST_CASE("mount write: a failed upload fails close (kDataLoss) and leaves nothing",
          "[mountwrite]") {
  Mounted m;
  m.Mount();
  SECTION("the one Put of a small file") {
    const CreatedFile f = m.Create("fail.txt");
    REQUIRE(m.Write(f.handle, 0, "data").ok());
    m.store->fail_writes = true;
    const Status closed = m.fs->Flush(f.handle);
    CHECK(closed.code() == StatusCode::kDataLoss);
    CHECK(closed.message().find("injected failure") != std::string::npos);
    CHECK(m.fs->Fsync(f.handle).code() == StatusCode::kDataLoss);  // again, on every close
    m.fs->Release(f.handle);
  }
  SECTION("a part of a large file") {
    m.store->fail_parts_from = 2;
    const CreatedFile f = m.Create("fail.bin");
    const std::string data = Pattern(4 * kPart);
    Status status;
    for (size_t off = 0; off < data.size() && status.ok(); off += kPart) {
      status = m.Write(f.handle, off, data.substr(off, kPart));
    }
    const Status closed = m.fs->Flush(f.handle);
    CHECK(closed.code() == StatusCode::kDataLoss);
    // Parts go up in parallel: the first to fail may be any from part 2 on.
    CHECK(std::regex_search(closed.message(),
                            std::regex("part ([2-9]|[1-9][0-9]+): injected failure")));
    m.fs->Release(f.handle);
    CHECK(m.store->commits == 0);
  }
  CHECK(m.Stored("fail.txt") == "<none>");
  CHECK(m.Stored("fail.bin") == "<none>");
  CHECK(m.Names().empty());
}

TEST_CASE("mount write: replacing an object needs --allow-overwrite and O_TRUNC", "[mountwrite]") {
  Mounted m;
  m.store->Put("old.txt", "old bytes");
  SECTION("not allowed") {
    m.Mount(true, false);
    const Entry old = m.Lookup("old.txt");
    CHECK(m.fs->Open(old.ino, O_WRONLY | O_TRUNC).status().code() == StatusCode::kNotPermitted);
    CHECK(m.fs->Open(old.ino, O_RDWR).status().code() == StatusCode::kNotPermitted);
    CHECK(m.fs->Create(kRootInode, "old.txt", O_WRONLY | O_CREAT | O_TRUNC).status().code() ==
          StatusCode::kNotPermitted);
    CHECK(m.fs->Create(kRootInode, "old.txt", O_WRONLY | O_CREAT | O_EXCL).status().code() ==
          StatusCode::kAlreadyExists);
    CHECK(m.fs->SetAttr(old.ino, AttrChange{{}, {}, {}, 0}).status().code() ==
          StatusCode::kNotPermitted);
    CHECK(m.Stored("old.txt") == "old bytes");
  }
  SECTION("allowed, but without O_TRUNC (an update in place)") {
    m.Mount(true, true);
    const Entry old = m.Lookup("old.txt");
    CHECK(m.fs->Open(old.ino, O_WRONLY).status().code() == StatusCode::kNotPermitted);
    CHECK(m.fs->Open(old.ino, O_WRONLY | O_APPEND).status().code() == StatusCode::kNotPermitted);
  }
  SECTION("allowed, with O_TRUNC") {
    m.Mount(true, true);
    const Entry old = m.Lookup("old.txt");
    CHECK(m.ReadBack(old.ino) == "old bytes");
    auto opened = m.fs->Open(old.ino, O_WRONLY | O_TRUNC);
    REQUIRE(opened.ok());
    CHECK(m.fs->GetAttr(old.ino)->attr.st_size == 0);  // the file being written
    // ftruncate(fd, 0) after the open (dd, the kernel without atomic O_TRUNC).
    REQUIRE(m.fs->SetAttr(old.ino, AttrChange{{}, {}, {}, 0}).ok());
    REQUIRE(m.Write(opened->handle, 0, "new").ok());
    CHECK(m.Stored("old.txt") == "old bytes");  // until the commit
    REQUIRE(m.fs->Flush(opened->handle).ok());
    m.fs->Release(opened->handle);
    CHECK(m.Stored("old.txt") == "new");
    CHECK(m.fs->GetAttr(old.ino)->attr.st_size == 3);
    CHECK(m.ReadBack(old.ino) == "new");
  }
}

TEST_CASE("mount write: unlink needs --allow-delete", "[mountwrite]") {
  Mounted m;
  m.store->Put("a.txt", "a");
  m.store->Put("d/x", "x");
  SECTION("not allowed") {
    m.Mount(true, false, false);
    CHECK(m.fs->Unlink(kRootInode, "a.txt").code() == StatusCode::kNotPermitted);
    CHECK(m.Stored("a.txt") == "a");
  }
  SECTION("allowed") {
    m.Mount(true, false, true);
    REQUIRE(m.Lookup("a.txt").ino != 0);
    REQUIRE(m.fs->Unlink(kRootInode, "a.txt").ok());
    CHECK(m.Stored("a.txt") == "<none>");
    CHECK(m.Lookup("a.txt").ino == 0);
    CHECK(m.Names() == std::vector<std::string>{"d"});
    CHECK(m.fs->Unlink(kRootInode, "a.txt").code() == StatusCode::kNotFound);
    CHECK(m.fs->Unlink(kRootInode, "d").code() == StatusCode::kIsADirectory);
    const CreatedFile f = m.Create("busy");
    CHECK(m.fs->Unlink(kRootInode, "busy").code() == StatusCode::kNotPermitted);
    m.fs->Release(f.handle);
  }
}

TEST_CASE("mount write: mkdir is local until a file is written in it; rmdir", "[mountwrite]") {
  Mounted m;
  m.store->Put("full/x", "x");
  m.store->Put("marker/", "");
  m.Mount(true, false, false);
  const Entry made = m.fs->MakeDir(kRootInode, "nd").value();
  CHECK(S_ISDIR(made.attr.st_mode));
  CHECK(S_ISDIR(m.Lookup("nd").attr.st_mode));
  CHECK(m.Names() == std::vector<std::string>{"full", "marker", "nd"});
  CHECK(m.Stored("nd/") == "<none>");  // no marker object
  CHECK(m.fs->MakeDir(kRootInode, "nd").status().code() == StatusCode::kAlreadyExists);
  CHECK(m.fs->MakeDir(kRootInode, "full").status().code() == StatusCode::kAlreadyExists);
  CHECK(m.fs->Create(kRootInode, "nd", O_WRONLY | O_CREAT).status().code() ==
        StatusCode::kIsADirectory);

  SECTION("a file written in it makes it a prefix of the bucket") {
    const CreatedFile f = m.Create("f.txt", made.ino);
    REQUIRE(m.Write(f.handle, 0, "in dir").ok());
    CHECK(m.Names(made.ino) == std::vector<std::string>{"f.txt"});
    CHECK(m.fs->RemoveDir(kRootInode, "nd").code() == StatusCode::kAlreadyExists);
    REQUIRE(m.fs->Flush(f.handle).ok());
    m.fs->Release(f.handle);
    CHECK(m.Stored("nd/f.txt") == "in dir");
    CHECK(m.fs->RemoveDir(kRootInode, "nd").code() == StatusCode::kAlreadyExists);
  }
  SECTION("an empty local directory is removed without --allow-delete") {
    REQUIRE(m.fs->RemoveDir(kRootInode, "nd").ok());
    CHECK(m.Lookup("nd").ino == 0);
    CHECK(m.Names() == std::vector<std::string>{"full", "marker"});
  }
  SECTION("directories of the bucket") {
    CHECK(m.fs->RemoveDir(kRootInode, "full").code() == StatusCode::kAlreadyExists);
    CHECK(m.fs->RemoveDir(kRootInode, "marker").code() == StatusCode::kNotPermitted);
    CHECK(m.fs->RemoveDir(kRootInode, "none").code() == StatusCode::kNotFound);
    CHECK(m.Stored("marker/").empty());
  }
}

TEST_CASE("mount write: rmdir of an empty bucket directory with --allow-delete", "[mountwrite]") {
  Mounted m;
  m.store->Put("marker/", "");
  m.store->Put("f", "f");
  m.Mount(true, false, true);
  REQUIRE(S_ISDIR(m.Lookup("marker").attr.st_mode));
  CHECK(m.fs->RemoveDir(kRootInode, "f").code() == StatusCode::kNotADirectory);
  REQUIRE(m.fs->RemoveDir(kRootInode, "marker").ok());
  CHECK(m.Stored("marker/") == "<none>");
  CHECK(m.Lookup("marker").ino == 0);
}

TEST_CASE("mount write: rename, links, chmod, chown and truncate are not permitted",
          "[mountwrite]") {
  Mounted m;
  m.store->Put("f", "abc");
  m.Mount(true, true, true);
  const Entry f = m.Lookup("f");
  for (const char* what : {"rename", "link", "symlink", "mknod"}) {
    const Status refused = m.fs->Unsupported(what);
    CHECK(refused.code() == StatusCode::kNotPermitted);
    CHECK(refused.message().find(what) != std::string::npos);
  }
  CHECK(m.fs->SetAttr(f.ino, AttrChange{0600, {}, {}, {}}).status().code() ==
        StatusCode::kNotPermitted);
  CHECK(m.fs->SetAttr(f.ino, AttrChange{{}, 1234, {}, {}}).status().code() ==
        StatusCode::kNotPermitted);
  CHECK(m.fs->SetAttr(f.ino, AttrChange{{}, {}, {}, 1}).status().code() ==
        StatusCode::kNotPermitted);
  CHECK(m.fs->SetAttr(f.ino, AttrChange{{}, {}, {}, 0}).status().code() ==
        StatusCode::kNotPermitted);
  CHECK(m.fs->SetAttr(f.ino, AttrChange{{}, {}, 1234, {}}).status().code() ==
        StatusCode::kNotPermitted);
  // Times alone (touch, tar, cp -p) are accepted and not kept; so are the mode
  // and owner every file has (tar and shutil.copy set them).
  CHECK(m.fs->SetAttr(f.ino, AttrChange{}).ok());
  CHECK(m.fs->SetAttr(f.ino, AttrChange{0444, 0, 0, {}}).ok());
  CHECK(m.fs->SetAttr(kRootInode, AttrChange{0555, {}, {}, {}}).ok());
  // A file being written: only its current size.
  const CreatedFile g = m.Create("g");
  REQUIRE(m.Write(g.handle, 0, "12345").ok());
  CHECK(m.fs->SetAttr(g.entry.ino, AttrChange{{}, {}, {}, 5})->attr.st_size == 5);
  CHECK(m.fs->SetAttr(g.entry.ino, AttrChange{{}, {}, {}, 2}).status().code() ==
        StatusCode::kNotPermitted);
  m.fs->Release(g.handle);
  CHECK(m.Stored("g") == "12345");
  CHECK(m.Stored("f") == "abc");
}

TEST_CASE("mount write: unmounting with a file still open uploads nothing", "[mountwrite]") {
  Mounted m;
  m.Mount();
  const CreatedFile f = m.Create("left-open");
  REQUIRE(m.Write(f.handle, 0, Pattern(2 * kPart)).ok());
  m.fs.reset();  // the handle the kernel never released goes with the file system
  CHECK(m.Stored("left-open") == "<none>");
  CHECK(m.store->aborts == 1);
}

TEST_CASE("mount write: a file of exactly whole parts commits", "[mountwrite]") {
  // The last write fills a part exactly: Close has no partial part to send.
  Mounted m;
  m.Mount();
  const CreatedFile f = m.Create("whole.bin");
  const std::string data = Pattern(4 * kPart);
  for (size_t off = 0; off < data.size(); off += kPart) {
    REQUIRE(m.Write(f.handle, off, data.substr(off, kPart)).ok());
  }
  REQUIRE(m.fs->Flush(f.handle).ok());
  m.fs->Release(f.handle);
  CHECK(m.store->parts == 4);
  CHECK(m.Stored("whole.bin") == data);
}
