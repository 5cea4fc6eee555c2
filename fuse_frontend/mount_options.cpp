#include "mount_options.hpp"

#include <algorithm>
#include <charconv>
#include <functional>
#include <map>

namespace objectfs::cli {
namespace {

constexpr const char* kFooter = R"(
Directories are the '/'-delimited prefixes of the keys. When an object "a" and a
prefix "a/" both exist, the directory wins and the object is hidden. Keys whose
last component is not a valid file name (empty, ".", "..", longer than 255
bytes) are skipped with a log line. The mount is read-only unless --read-write
(-o rw): then new files upload as they are written (sequentially) and appear at
close; replacing an object needs --allow-overwrite and O_TRUNC, unlink and rmdir
need --allow-delete; rename, chmod, links and truncate fail with EPERM.

Every option can also be given as -o key=value (dashes become underscores, and
-o config=FILE reads a config file as --config does), e.g.
  objectfs mount s3://bucket/models/ /mnt/models -o metadata_ttl=indefinite,part_size=8M,allow_other
so the binary works from /etc/fstab (mount.fuse3 runs `objectfs URI DIR -o OPTIONS`):
  s3://bucket/models/  /mnt/models  fuse.objectfs  _netdev,nofail,ro,allow_other,metadata_ttl=indefinite  0 0
Credentials come from the usual AWS sources (environment, ~/.aws, profile=NAME).
Unmount with `fusermount3 -u DIR` (or `umount DIR` as root); SIGINT/SIGTERM to the
mount process unmount cleanly.)";

Result<int64_t> ParseInt(const std::string& key, const std::string& value) {
  int64_t n = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || ptr != value.data() + value.size()) {
    return InvalidArgument("-o " + key + ": '" + value + "' is not an integer");
  }
  return n;
}

bool Ignored(const std::string& key) {
  static const char* kIgnored[] = {"defaults", "auto",   "noauto", "user",  "nouser", "users",
                                   "_netdev",  "nofail", "sync",   "async", "comment"};
  for (const char* k : kIgnored) {
    if (key == k) return true;
  }
  return key.starts_with("x-");
}

bool KernelOption(const std::string& key) {
  static const char* kKernel[] = {"ro",
                                  "nodev",
                                  "nosuid",
                                  "noexec",
                                  "noatime",
                                  "dev",
                                  "suid",
                                  "exec",
                                  "atime",
                                  "relatime",
                                  "nodiratime",
                                  "lazytime",
                                  "default_permissions"};
  for (const char* k : kKernel) {
    if (key == k) return true;
  }
  return false;
}

}  // namespace

CLI::App* AddMountCommand(CLI::App& app, MountArgs& a) {
  auto* cmd = app.add_subcommand(
      "mount", "mount a bucket or bucket/prefix as a file system (FUSE), read-only by default");
  cmd->footer(kFooter);
  cmd->add_option("uri", a.uri, "s3://bucket or s3://bucket/prefix/")->required();
  cmd->add_option("mountpoint", a.mountpoint, "an existing directory")->required();
  cmd->add_option("--metadata-ttl", a.metadata_ttl,
                  "seconds to cache lookups and listings, or 'indefinite' for buckets that "
                  "never change (missing names are cached for at most 5 s)")
      ->capture_default_str();
  cmd->add_option("--uid", a.uid, "owner of every file (default: the caller)");
  cmd->add_option("--gid", a.gid, "group of every file (default: the caller's)");
  cmd->add_option("--file-mode", a.file_mode,
                  "permission bits of files (octal; default 0444, 0644 with --read-write)");
  cmd->add_option("--dir-mode", a.dir_mode,
                  "permission bits of directories (octal; default 0555, 0755 with --read-write)");
  cmd->add_flag("--read-write", a.read_write,
                "allow creating files (written sequentially, uploaded as they are written, "
                "visible at close) and directories; -o rw");
  cmd->add_flag("--allow-overwrite", a.allow_overwrite,
                "with --read-write: let open(O_TRUNC) replace an existing object");
  cmd->add_flag("--allow-delete", a.allow_delete,
                "with --read-write: let unlink delete objects and rmdir remove empty directories");
  cmd->add_flag("--allow-other", a.allow_other,
                "let other users access the mount (needs user_allow_other in /etc/fuse.conf "
                "when not root)");
  cmd->add_flag("-f,--foreground", a.foreground, "stay attached; log to stderr");
  cmd->add_option("-o", a.o_options, "key[=value][,key[=value]...]: options in fstab spelling")
      ->allow_extra_args(false);
  return cmd;
}

Status ApplyMountOptions(MountArgs& a, CommonOptions& c) {
  using Setter = std::function<Status(const std::string& key, const std::string& value)>;
  auto str = [](std::string* field) -> Setter {
    return [field](const std::string&, const std::string& v) {
      *field = v;
      return Status::Ok();
    };
  };
  auto flag = [](bool* field) -> Setter {
    return [field](const std::string& k, const std::string& v) {
      if (v.empty() || v == "1" || v == "true" || v == "yes") {
        *field = true;
      } else if (v == "0" || v == "false" || v == "no") {
        *field = false;
      } else {
        return InvalidArgument("-o " + k + ": expected no value or true/false");
      }
      return Status::Ok();
    };
  };
  auto integer = [](auto* field) -> Setter {
    return [field](const std::string& k, const std::string& v) {
      OBJECTFS_ASSIGN_OR_RETURN(int64_t n, ParseInt(k, v));
      *field = static_cast<std::remove_pointer_t<decltype(field)>>(n);
      return Status::Ok();
    };
  };
  // Mount-only keys; the library's options come from its schema (FindOption).
  const std::map<std::string, Setter> setters = {
      {"config", str(&c.sources.config_file)},
      {"stats", flag(&c.print_stats)},
      {"json", flag(&c.stats_json)},
      {"metadata_ttl", str(&a.metadata_ttl)},
      {"uid", integer(&a.uid)},
      {"gid", integer(&a.gid)},
      {"file_mode", str(&a.file_mode)},
      {"dir_mode", str(&a.dir_mode)},
      {"allow_other", flag(&a.allow_other)},
      {"rw", flag(&a.read_write)},
      {"read_write", flag(&a.read_write)},
      {"allow_overwrite", flag(&a.allow_overwrite)},
      {"allow_delete", flag(&a.allow_delete)},
      {"foreground", flag(&a.foreground)},
  };
  for (const std::string& value : a.o_options) {
    size_t start = 0;
    while (start <= value.size()) {
      size_t comma = value.find(',', start);
      if (comma == std::string::npos) comma = value.size();
      const std::string item = value.substr(start, comma - start);
      start = comma + 1;
      if (item.empty()) continue;
      const size_t eq = item.find('=');
      std::string key = item.substr(0, eq);
      const std::string v = eq == std::string::npos ? "" : item.substr(eq + 1);
      std::replace(key.begin(), key.end(), '-', '_');
      if (auto it = setters.find(key); it != setters.end()) {
        OBJECTFS_RETURN_IF_ERROR(it->second(key, v));
      } else if (FindOption(key) != nullptr) {
        c.sources.values.emplace_back(key, v);  // after the flags: -o wins
      } else if (key == "ro" && eq == std::string::npos) {
        a.read_write = false;  // the kernel gets ro from read_write
      } else if (KernelOption(key) && eq == std::string::npos) {
        a.fuse_passthrough.push_back(key);
      } else if (!Ignored(key)) {
        return InvalidArgument("unknown mount option -o " + item + " (see objectfs mount --help)");
      }
    }
  }
  if ((a.allow_overwrite || a.allow_delete) && !a.read_write) {
    return InvalidArgument("--allow-overwrite and --allow-delete need --read-write (-o rw)");
  }
  return Status::Ok();
}

}  // namespace objectfs::cli
