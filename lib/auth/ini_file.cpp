#include "auth/ini_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <system_error>

#include "util/ascii.hpp"

namespace objectfs::internal {
namespace {

// The AWS files are a few KiB; the cap keeps a path pointing at a device or a
// huge file from exhausting memory.
constexpr size_t kMaxFileBytes = 4 << 20;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// "profile   dev" and "profile\tdev" name the same profile for the CLI.
std::string CollapseSpaces(std::string_view s) {
  std::string out;
  bool in_space = false;
  for (char c : Trim(s)) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      in_space = true;
      continue;
    }
    if (in_space) out += ' ';
    in_space = false;
    out += c;
  }
  return out;
}

}  // namespace

Result<IniFile> IniFile::Parse(std::string_view text, std::string_view path) {
  IniFile ini;
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  Section* section = nullptr;
  std::string last_key;  // the key an indented line continues
  int line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view raw = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    const std::string_view line = Trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;

    auto error = [&](std::string_view what) {
      return InvalidArgument(std::string(path) + " line " + std::to_string(line_no) + ": " +
                             std::string(what));
    };
    const size_t delim = line.find_first_of("=:");
    const bool indented = raw.front() == ' ' || raw.front() == '\t';
    if (indented && section != nullptr && !last_key.empty()) {
      std::string& parent = (*section)[last_key];
      if (parent.empty() && delim != std::string_view::npos) {
        // Nested block, e.g. "s3 =\n  addressing_style = path".
        const std::string sub = AsciiLower(Trim(line.substr(0, delim)));
        if (sub.empty()) return error("empty key in nested block");
        (*section)[last_key + "." + sub] = std::string(Trim(line.substr(delim + 1)));
      } else {
        parent += '\n';  // RawConfigParser multi-line value
        parent += line;
      }
      continue;
    }
    if (line.front() == '[') {
      const size_t close = line.find(']');
      if (close == std::string_view::npos) return error("section header without ']'");
      const std::string_view rest = Trim(line.substr(close + 1));
      if (!rest.empty() && rest.front() != '#' && rest.front() != ';') {
        return error("unexpected text after section header");
      }
      const std::string name = CollapseSpaces(line.substr(1, close - 1));
      if (name.empty()) return error("empty section name");
      section = &ini.sections_[name];
      last_key.clear();
      continue;
    }
    if (delim == std::string_view::npos) return error("expected \"key = value\" or \"[section]\"");
    if (section == nullptr) return error("\"key = value\" before any [section] header");
    std::string key = AsciiLower(Trim(line.substr(0, delim)));
    if (key.empty()) return error("empty key");
    (*section)[key] = std::string(Trim(line.substr(delim + 1)));
    last_key = std::move(key);
  }
  return ini;
}

Result<std::optional<IniFile>> IniFile::Load(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR) return std::optional<IniFile>();
    Status st(err == EACCES ? StatusCode::kPermissionDenied : StatusCode::kInvalidArgument,
              "cannot open " + path + ": " + std::generic_category().message(err));
    return st;
  }
  std::string text;
  char buf[8192];
  int read_errno = 0;
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) read_errno = errno;
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > kMaxFileBytes) break;
  }
  ::close(fd);
  if (read_errno != 0) {
    return InvalidArgument("cannot read " + path + ": " +
                           std::generic_category().message(read_errno));
  }
  if (text.size() > kMaxFileBytes) return InvalidArgument(path + " is too large for an AWS file");
  OBJECTFS_ASSIGN_OR_RETURN(IniFile ini, Parse(text, path));
  return std::optional<IniFile>(std::move(ini));
}

const IniFile::Section* IniFile::Find(std::string_view section) const {
  auto it = sections_.find(section);
  return it == sections_.end() ? nullptr : &it->second;
}

}  // namespace objectfs::internal
