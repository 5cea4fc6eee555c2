// What every fuzz target shares: the input as a string_view.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace objectfs::fuzz {

inline std::string_view Text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace objectfs::fuzz
