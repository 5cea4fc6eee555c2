// UTF-8 checks for names that travel to servers (keys must be UTF-8 on every
// store) and for messages that must stay printable.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace objectfs::internal {

// The offset of the first byte that does not start or continue a well-formed
// UTF-8 sequence (overlong forms and surrogates included), npos when valid.
size_t FirstInvalidUtf8(std::string_view text);

// `text` with every byte of an ill-formed sequence written as \xHH.
std::string EscapeInvalidUtf8(std::string_view text);

}  // namespace objectfs::internal
