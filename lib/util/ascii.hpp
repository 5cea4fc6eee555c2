// ASCII case folding (URI schemes, header names, option values, INI keys):
// locale-independent, bytes above 0x7f kept as they are.
#pragma once

#include <string>
#include <string_view>

namespace objectfs::internal {

inline std::string AsciiLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace objectfs::internal
