// URIs (every scheme) and the UTF-8 checks of keys.
#include "fuzz_common.hpp"
#include "objectfs/uri.hpp"
#include "util/utf8.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = objectfs::fuzz::Text(data, size);
  auto uri = objectfs::ParseUri(text);
  if (uri.ok()) {
    // What a parsed URI prints parses again, to the same parts.
    auto again = objectfs::ParseUri(uri->ToString());
    if (!again.ok() || again->scheme != uri->scheme || again->bucket != uri->bucket ||
        again->key != uri->key) {
      __builtin_trap();
    }
  }
  const std::string escaped = objectfs::internal::EscapeInvalidUtf8(text);
  if (objectfs::internal::FirstInvalidUtf8(escaped) != std::string_view::npos) __builtin_trap();
  return 0;
}
