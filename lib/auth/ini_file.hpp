// IniFile: the subset of INI that the AWS CLI/SDKs accept in ~/.aws/config and
// ~/.aws/credentials (botocore uses Python's RawConfigParser), so that a file the
// CLI reads is read the same way here.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "objectfs/status.hpp"

namespace objectfs::internal {

class IniFile {
 public:
  // Keys are lower-cased. A nested block ("s3 =" followed by indented "key = value"
  // lines) is stored as "s3.key", with "s3" itself mapped to "".
  using Section = std::map<std::string, std::string, std::less<>>;

  // Accepted: "[name]" headers (inner whitespace collapsed, so "[profile  dev]" is
  // "profile dev"), "key = value" or "key: value", whole-line comments starting with
  // '#' or ';', blank lines, CRLF, a UTF-8 BOM, indented continuation lines. Values
  // keep '#' and ';' (RawConfigParser has no inline comments). Anything else is
  // InvalidArgument naming `path` and the line number.
  static Result<IniFile> Parse(std::string_view text, std::string_view path);

  // Reads and parses `path`. A missing file is not an error (std::nullopt): the
  // AWS files are optional. Other read failures are errors naming the file.
  static Result<std::optional<IniFile>> Load(const std::string& path);

  // nullptr when there is no such section.
  const Section* Find(std::string_view section) const;

 private:
  std::map<std::string, Section, std::less<>> sections_;
};

}  // namespace objectfs::internal
