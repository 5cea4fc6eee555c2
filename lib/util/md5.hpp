// MD5 of upload bodies: the Content-MD5 header S3 and Azure verify per part
// (integrity, not security), on OpenSSL's EVP digest.
#pragma once

#include <cstddef>
#include <span>
#include <string>

namespace objectfs::internal {

// The 16 raw digest bytes.
std::string Md5(std::span<const std::byte> bytes);
// base64 of the digest: the value of a Content-MD5 header.
std::string ContentMd5(std::span<const std::byte> bytes);

}  // namespace objectfs::internal
