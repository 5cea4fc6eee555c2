// The mount's file system (fuse_frontend/fs) without FUSE, over a MemoryStore:
// the directory-wins rule, metadata TTLs, the negative cache, names the
// kernel cannot show, listings of several pages, and reads pinned at open.
#include <fcntl.h>

#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

#include "core/client_core.hpp"
#include "core/file_factory.hpp"
#include "fs/file_system.hpp"
#include "fs/mount_log.hpp"
#include "unit/memory_store.hpp"

using namespace objectfs;
using namespace objectfs::mount;
using objectfs::testing::MemoryStore;
using namespace std::chrono_literals;

namespace {

// The store as the file system sees it; files opened like Client::Open does.
class StoreSource : public ObjectSource {
 public:
  StoreSource(std::shared_ptr<internal::ClientCore> core, std::shared_ptr<MemoryStore> store)
      : core_(std::move(core)), store_(std::move(store)) {}
  Result<ListPage> List(const ListRequest& request) override { return store_->List(request); }
  Result<std::shared_ptr<File>> Open(const std::string& key) override {
    OBJECTFS_ASSIGN_OR_RETURN(ObjectInfo info, store_->Stat(key));
    return internal::FileFactory::Make(core_, store_, Uri{"s3", "bucket", key}, std::move(info));
  }
  Result<std::shared_ptr<File>> OpenListed(const std::string& key, ObjectInfo listed) override {
    if (listed.key != key) return InvalidArgument("listed key " + listed.key + " for " + key);
    return internal::FileFactory::Make(core_, store_, Uri{"s3", "bucket", key}, std::move(listed));
  }

 private:
  std::shared_ptr<internal::ClientCore> core_;
  std::shared_ptr<MemoryStore> store_;
};

// A FileSystem over a MemoryStore with a clock the test moves.
struct Mounted {
  std::shared_ptr<MemoryStore> store = std::make_shared<MemoryStore>();
  std::shared_ptr<internal::ClientCore> core = std::make_shared<internal::ClientCore>(
      ClientOptions{}, [](std::string_view) { return std::optional<std::string>(); });
  MetadataCache::Clock::time_point now = MetadataCache::Clock::now();
  std::unique_ptr<FileSystem> fs;

  void Mount(std::chrono::milliseconds ttl = 60s, std::string root_key = "",
             bool open_from_listing = false) {
    SetLogLevel(mount::LogLevel::kError);  // skipped keys log a warning each
    FsConfig config;
    config.root_key = std::move(root_key);
    config.timeout_s = ttl.count() < 0 ? 365.0 * 86400 : ttl.count() / 1000.0;
    config.negative_timeout_s = std::min(config.timeout_s, 5.0);
    config.open_from_listing = open_from_listing;
    MetadataCache::Options metadata;
    metadata.ttl = ttl;
    metadata.now = [this] { return now; };
    fs = std::make_unique<FileSystem>(std::make_unique<StoreSource>(core, store), config,
                                      std::move(metadata));
  }

  Entry Lookup(InodeId parent, const std::string& name) {
    auto entry = fs->Lookup(parent, name);
    REQUIRE(entry.ok());
    return *entry;
  }

  // Every name of the directory through ReadDir pages of `per_page` items.
  std::vector<std::string> Names(InodeId ino, size_t per_page = 1000, bool plus = false) {
    auto handle = fs->OpenDir(ino);
    REQUIRE(handle.ok());
    std::vector<std::string> names;
    uint64_t offset = 0;
    bool more = true;
    while (more) {
      size_t taken = 0;
      more = false;
      fs->ReadDir(*handle, ino, offset, plus, [&](const DirItem& item) {
        if (taken == per_page) {
          more = true;
          return false;
        }
        ++taken;
        offset = item.next_offset;
        if (std::string(item.name) != "." && std::string(item.name) != "..") {
          names.push_back(item.name);
        }
        return true;
      });
    }
    fs->ReleaseDir(*handle);
    return names;
  }

  std::string ReadAll(uint64_t handle, size_t size) {
    auto pinned = fs->Read(handle, 0, size);
    REQUIRE(pinned.ok());
    std::string out;
    for (auto slice : pinned->slices()) {
      out.append(reinterpret_cast<const char*>(slice.data()), slice.size());
    }
    return out;
  }
};

}  // namespace

TEST_CASE("mount fs: an object and a prefix of the same name show the directory", "[mountfs]") {
  Mounted m;
  m.store->Put("a", "object a");
  m.store->Put("a/inner.txt", "x");
  m.store->Put("b", "file b");
  SECTION("looked up first") {
    m.Mount();
    const Entry a = m.Lookup(kRootInode, "a");
    REQUIRE(a.ino != 0);
    CHECK(S_ISDIR(a.attr.st_mode));
    CHECK(m.Names(a.ino) == std::vector<std::string>{"inner.txt"});
    CHECK(m.Names(kRootInode) == std::vector<std::string>{"a", "b"});
  }
  SECTION("listed first") {
    m.Mount();
    CHECK(m.Names(kRootInode) == std::vector<std::string>{"a", "b"});
    const Entry a = m.Lookup(kRootInode, "a");
    CHECK(S_ISDIR(a.attr.st_mode));
    const Entry b = m.Lookup(kRootInode, "b");
    CHECK(S_ISREG(b.attr.st_mode));
    CHECK(b.attr.st_size == 6);
  }
  SECTION("a prefix that sorts after a full lookup page is still found") {
    // "c.0" ... "c.19" sort before "c/": the lookup's first page (16 keys)
    // ends before it, so a probe of "c/" decides.
    for (int i = 0; i < 20; ++i) m.store->Put("c." + std::to_string(i), "z");
    m.store->Put("c", "object c");
    m.store->Put("c/deep", "y");
    m.Mount();
    const int before = m.store->lists;
    CHECK(S_ISDIR(m.Lookup(kRootInode, "c").attr.st_mode));
    CHECK(m.store->lists - before == 2);
  }
}

TEST_CASE("mount fs: attributes expire after the metadata TTL", "[mountfs]") {
  Mounted m;
  m.store->Put("f", "abc");
  m.Mount(60s);
  const Entry f = m.Lookup(kRootInode, "f");
  CHECK(f.attr.st_size == 3);
  CHECK(f.attr_timeout == 60);
  CHECK(f.entry_timeout == 60);
  m.store->Put("f", "abcde");
  const int lists = m.store->lists;
  m.now += 59s;
  auto cached = m.fs->GetAttr(f.ino);
  REQUIRE(cached.ok());
  CHECK(cached->attr.st_size == 3);  // within the TTL: no request
  CHECK(m.store->lists == lists);
  m.now += 2s;
  auto fresh = m.fs->GetAttr(f.ino);
  REQUIRE(fresh.ok());
  CHECK(fresh->attr.st_size == 5);
  CHECK(m.store->lists == lists + 1);
  // The same inode for the same key while the kernel holds it.
  CHECK(m.Lookup(kRootInode, "f").ino == f.ino);
}

TEST_CASE("mount fs: an indefinite TTL never lists a known name again", "[mountfs]") {
  Mounted m;
  m.store->Put("f", "abc");
  m.store->Put("sub/x", "x");
  m.Mount(-1ms);
  const Entry f = m.Lookup(kRootInode, "f");
  CHECK(f.attr_timeout == 365.0 * 86400);
  m.store->Put("f", "abcdef");
  const int lists = m.store->lists;
  m.now += 24h * 365;
  CHECK(m.Lookup(kRootInode, "f").attr.st_size == 3);
  CHECK(m.Names(kRootInode) == std::vector<std::string>{"f", "sub"});
  CHECK(m.store->lists == lists + 1);  // the first listing of the root; lookups stay cached
  // Negative entries still expire within 5 s (in a directory not listed).
  m.store->Put("gone", "never seen");  // the root's listing is indefinite: not shown
  m.now += 6s;
  CHECK(m.Lookup(kRootInode, "gone").ino == 0);
  const Entry sub = m.Lookup(kRootInode, "sub");
  REQUIRE(sub.ino != 0);
  CHECK(m.Lookup(sub.ino, "new").ino == 0);
  m.store->Put("sub/new", "n");
  m.now += 4s;
  CHECK(m.Lookup(sub.ino, "new").ino == 0);
  m.now += 2s;
  CHECK(m.Lookup(sub.ino, "new").ino != 0);
}

TEST_CASE("mount fs: a missing name is cached as a negative entry for at most 5 s", "[mountfs]") {
  Mounted m;
  m.store->Put("other", "o");
  m.Mount(60s);
  const Entry missing = m.Lookup(kRootInode, "missing");
  CHECK(missing.ino == 0);
  CHECK(missing.entry_timeout == 5);
  const int lists = m.store->lists;
  m.store->Put("missing", "now here");
  m.now += 4s;
  CHECK(m.Lookup(kRootInode, "missing").ino == 0);
  CHECK(m.store->lists == lists);
  m.now += 2s;
  const Entry found = m.Lookup(kRootInode, "missing");
  CHECK(found.ino != 0);
  CHECK(found.attr.st_size == 8);
  CHECK(m.store->lists == lists + 1);
  auto gone = m.fs->GetAttr(12345);
  REQUIRE_FALSE(gone.ok());
  CHECK(gone.status().code() == StatusCode::kNotFound);
}

TEST_CASE("mount fs: keys that are no valid file name are skipped", "[mountfs]") {
  Mounted m;
  m.store->Put("ok.txt", "fine");
  m.store->Put(std::string("nul\0name", 8), "x");  // the kernel cannot show a NUL
  m.store->Put("dir/", "");                        // a directory marker
  m.store->Put("dir/.", "dot");
  m.store->Put("dir/..", "dotdot");
  m.store->Put("dir/kept", "k");
  m.store->Put("empty//segment", "e");     // "empty/" holds a directory without a name
  m.store->Put("trailing/", "not empty");  // a key ending in '/': a directory, not a file
  m.store->Put(std::string(256, 'l'), "too long");
  m.Mount();
  CHECK(m.Names(kRootInode) == std::vector<std::string>{"dir", "empty", "ok.txt", "trailing"});
  const Entry dir = m.Lookup(kRootInode, "dir");
  REQUIRE(S_ISDIR(dir.attr.st_mode));
  CHECK(m.Names(dir.ino) == std::vector<std::string>{"kept"});
  CHECK(m.Names(m.Lookup(kRootInode, "empty").ino).empty());
  const Entry trailing = m.Lookup(kRootInode, "trailing");
  CHECK(S_ISDIR(trailing.attr.st_mode));
  CHECK(m.Names(trailing.ino).empty());
  // Lookups of such names find nothing and send nothing.
  const int lists = m.store->lists;
  CHECK(m.Lookup(dir.ino, ".").ino == 0);
  CHECK(m.Lookup(dir.ino, "..").ino == 0);
  CHECK(m.Lookup(kRootInode, "").ino == 0);
  CHECK(m.Lookup(kRootInode, std::string(256, 'l')).ino == 0);
  CHECK(m.store->lists == lists);
}

TEST_CASE("mount fs: a directory of several listing pages, read in small reply pages",
          "[mountfs]") {
  Mounted m;
  std::set<std::string> expected;
  for (int i = 0; i < 2345; ++i) {
    const std::string name = "f" + std::to_string(100000 + i);
    m.store->Put("many/" + name, "x");
    expected.insert(name);
  }
  m.store->Put("many/sub/inner", "y");
  expected.insert("sub");
  m.Mount(60s, "");
  const Entry many = m.Lookup(kRootInode, "many");
  const int lists = m.store->lists;
  const auto names = m.Names(many.ino, 100);
  CHECK(m.store->lists - lists == 3);  // 1000 keys a page
  CHECK(names.size() == expected.size());
  CHECK(std::set<std::string>(names.begin(), names.end()) == expected);
  CHECK(std::is_sorted(names.begin(), names.end()));
  // The listing answers lookups and a second listing within the TTL.
  CHECK(S_ISREG(m.Lookup(many.ino, "f100007").attr.st_mode));
  CHECK(m.Names(many.ino, 700).size() == expected.size());
  CHECK(m.store->lists - lists == 3);
}

TEST_CASE("mount fs: readdirplus references the inodes it hands out, and only those", "[mountfs]") {
  Mounted m;
  m.store->Put("d/a", "1");
  m.store->Put("d/b", "22");
  m.store->Put("d/c", "333");
  m.Mount();
  const Entry d = m.Lookup(kRootInode, "d");
  auto handle = m.fs->OpenDir(d.ino);
  REQUIRE(handle.ok());
  std::vector<Entry> accepted;
  InodeId refused = 0;
  m.fs->ReadDir(*handle, d.ino, 0, true, [&](const DirItem& item) {
    if (std::string(item.name) == "b") {
      refused = item.entry.ino;
      return false;
    }
    accepted.push_back(item.entry);
    return true;
  });
  REQUIRE(accepted.size() == 3);  // ".", "..", "a"
  CHECK(accepted[0].attr.st_ino == d.ino);
  const Entry a = accepted[2];
  CHECK(a.ino != 0);
  CHECK(a.attr.st_size == 1);
  CHECK(a.attr_timeout == 60);
  REQUIRE(refused != 0);
  CHECK(m.Lookup(d.ino, "a").ino == a.ino);    // still referenced
  CHECK(m.Lookup(d.ino, "b").ino != refused);  // forgotten: a new inode
  m.fs->ReleaseDir(*handle);
}

TEST_CASE("mount fs: reads are pinned to the object seen at open", "[mountfs]") {
  Mounted m;
  m.store->Put("f", "version one");
  m.Mount();
  const Entry f = m.Lookup(kRootInode, "f");
  auto first = m.fs->Open(f.ino, O_RDONLY);
  REQUIRE(first.ok());
  CHECK_FALSE(first->keep_cache);  // the first open: nothing cached yet
  CHECK(m.ReadAll(first->handle, 100) == "version one");
  auto again = m.fs->Open(f.ino, O_RDONLY);
  REQUIRE(again.ok());
  CHECK(again->keep_cache);  // unchanged: the kernel's pages stay valid
  m.fs->Release(again->handle);

  m.store->Put("f", "version two!");
  // The open file keeps what it saw at open: its cached bytes, never the new ones.
  CHECK(m.ReadAll(first->handle, 100) == "version one");
  m.fs->Release(first->handle);
  auto reopened = m.fs->Open(f.ino, O_RDONLY);
  REQUIRE(reopened.ok());
  CHECK_FALSE(reopened->keep_cache);  // changed: drop the kernel's pages
  CHECK(m.ReadAll(reopened->handle, 100) == "version two!");
  m.fs->Release(reopened->handle);
}

TEST_CASE("mount fs: a changed object fails reads of the open file", "[mountfs]") {
  Mounted m;
  m.store->Put("g", std::string(1000, 'a'));
  m.Mount();
  auto opened = m.fs->Open(m.Lookup(kRootInode, "g").ino, O_RDONLY);
  REQUIRE(opened.ok());
  m.store->Put("g", std::string(1000, 'b'));
  auto read = m.fs->Read(opened->handle, 0, 100);
  REQUIRE_FALSE(read.ok());
  CHECK(read.status().code() == StatusCode::kObjectChanged);
  m.fs->Release(opened->handle);
}

TEST_CASE("mount fs: open_from_listing opens without a HEAD, pinned to the listing's ETag",
          "[mountfs]") {
  Mounted m;
  m.store->Put("d/a", "listed bytes");
  m.store->Put("d/b", "other");
  m.Mount(-1ms, "", /*open_from_listing=*/true);  // metadata_ttl=indefinite
  const Entry d = m.Lookup(kRootInode, "d");
  CHECK(m.Names(d.ino) == std::vector<std::string>{"a", "b"});
  const Entry a = m.Lookup(d.ino, "a");
  const int stats = m.store->stats;
  auto opened = m.fs->Open(a.ino, O_RDONLY);
  REQUIRE(opened.ok());
  CHECK(m.store->stats == stats);  // no HEAD: the listing's entry pins the read
  CHECK(m.ReadAll(opened->handle, 100) == "listed bytes");
  m.fs->Release(opened->handle);
  // Replaced behind the mount's back: the listed version's cached bytes, or
  // a failed read where none are cached; never bytes of an unlisted version.
  m.store->Put("d/a", "a new version of it");
  m.store->Put("d/b", "b replaced");
  auto cached = m.fs->Open(a.ino, O_RDONLY);
  REQUIRE(cached.ok());
  CHECK(m.ReadAll(cached->handle, 100) == "listed bytes");
  m.fs->Release(cached->handle);
  auto stale = m.fs->Open(m.Lookup(d.ino, "b").ino, O_RDONLY);
  REQUIRE(stale.ok());
  auto read = m.fs->Read(stale->handle, 0, 100);
  REQUIRE_FALSE(read.ok());
  CHECK(read.status().code() == StatusCode::kObjectChanged);
  m.fs->Release(stale->handle);
  // With a finite TTL every open sends its HEAD and sees the current version.
  Mounted fresh;
  fresh.store->Put("a", "one");
  fresh.Mount(60s);
  const Entry fa = fresh.Lookup(kRootInode, "a");
  const int before = fresh.store->stats;
  auto head_open = fresh.fs->Open(fa.ino, O_RDONLY);
  REQUIRE(head_open.ok());
  CHECK(fresh.store->stats == before + 1);
  fresh.fs->Release(head_open->handle);
}

TEST_CASE("mount fs: errors as Status", "[mountfs]") {
  Mounted m;
  m.store->Put("d/f", "x");
  m.Mount();
  const Entry d = m.Lookup(kRootInode, "d");
  const Entry f = m.Lookup(d.ino, "f");
  auto write = m.fs->Open(f.ino, O_WRONLY);
  REQUIRE_FALSE(write.ok());
  CHECK(write.status().code() == StatusCode::kReadOnly);
  auto trunc = m.fs->Open(f.ino, O_RDONLY | O_TRUNC);
  REQUIRE_FALSE(trunc.ok());
  CHECK(trunc.status().code() == StatusCode::kReadOnly);
  auto dir = m.fs->Open(d.ino, O_RDONLY);
  REQUIRE_FALSE(dir.ok());
  CHECK(dir.status().code() == StatusCode::kIsADirectory);
  auto file_as_dir = m.fs->OpenDir(f.ino);
  REQUIRE_FALSE(file_as_dir.ok());
  CHECK(file_as_dir.status().code() == StatusCode::kNotADirectory);
  auto in_file = m.fs->Lookup(f.ino, "x");
  REQUIRE_FALSE(in_file.ok());
  CHECK(in_file.status().code() == StatusCode::kNotADirectory);
  auto opened = m.fs->Open(f.ino, O_RDONLY);
  REQUIRE(opened.ok());
  auto negative = m.fs->Read(opened->handle, -1, 10);
  REQUIRE_FALSE(negative.ok());
  CHECK(negative.status().code() == StatusCode::kInvalidArgument);
  m.fs->Release(opened->handle);
  // Forgotten inodes are gone; the root never is.
  m.fs->Forget(f.ino, 1);
  CHECK(m.fs->GetAttr(f.ino).status().code() == StatusCode::kNotFound);
  m.fs->Forget(kRootInode, 100);
  CHECK(S_ISDIR(m.fs->GetAttr(kRootInode)->attr.st_mode));
  const struct statvfs st = m.fs->StatFs();
  CHECK(st.f_namemax == 255);
  CHECK((st.f_flag & ST_RDONLY) != 0);
}

TEST_CASE("mount fs: a mount of a prefix shows only what is under it", "[mountfs]") {
  Mounted m;
  m.store->Put("models/a.bin", "a");
  m.store->Put("models/v2/b.bin", "b");
  m.store->Put("other.txt", "o");
  m.Mount(60s, "models/");
  CHECK(m.Names(kRootInode) == std::vector<std::string>{"a.bin", "v2"});
  CHECK(m.Lookup(kRootInode, "other.txt").ino == 0);
  const Entry v2 = m.Lookup(kRootInode, "v2");
  auto opened = m.fs->Open(m.Lookup(v2.ino, "b.bin").ino, O_RDONLY);
  REQUIRE(opened.ok());
  CHECK(m.ReadAll(opened->handle, 10) == "b");
  m.fs->Release(opened->handle);
}
