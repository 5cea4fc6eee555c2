// Standard base64 (RFC 4648 section 4, with padding), on OpenSSL's codec. Shared by
// Azure SharedKey (account keys, signatures) and JWTs (service-account tokens).
#pragma once

#include <string>
#include <string_view>

#include "objectfs/status.hpp"

namespace objectfs::internal {

std::string Base64Encode(std::string_view bytes);

// Rejects anything that is not padded standard base64 (including ""), so a
// mangled key is reported where it is read rather than as a baffling 403.
Result<std::string> Base64Decode(std::string_view text);

}  // namespace objectfs::internal
