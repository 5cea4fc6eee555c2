#include "util/md5.hpp"

#include <openssl/evp.h>

#include "util/base64.hpp"

namespace objectfs::internal {

std::string Md5(std::span<const std::byte> bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_md5(), nullptr);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

std::string ContentMd5(std::span<const std::byte> bytes) { return Base64Encode(Md5(bytes)); }

}  // namespace objectfs::internal
