// RS256 JSON Web Tokens (RFC 7515/7519) for the OAuth2 service-account flow:
// pure functions, time passed in, OpenSSL for the RSA signature.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "objectfs/status.hpp"
#include "util/base64.hpp"

namespace objectfs::internal {

// Base64url without padding (RFC 7515 section 2).
std::string Base64UrlEncode(std::string_view bytes);

// "BASE64URL(header).BASE64URL(claims).BASE64URL(RSASSA-PKCS1-v1_5-SHA256 signature)".
// PKCS#1 v1.5 is deterministic, so the same inputs always give the same token.
// InvalidArgument when the PEM is not an RSA private key; the key never appears
// in messages.
Result<std::string> SignJwtRs256(std::string_view header_json, std::string_view claims_json,
                                 std::string_view private_key_pem);

struct ServiceAccountClaims {
  std::string client_email;    // "iss"
  std::string private_key_id;  // header "kid"; omitted when empty
  std::string scope;           // space-separated OAuth2 scopes
  std::string audience;        // "aud": the token_uri
};

// The JWT header and claims of Google's service-account flow, lifetime one hour:
// {"alg":"RS256","kid":KID,"typ":"JWT"} and
// {"aud":AUD,"exp":NOW+3600,"iat":NOW,"iss":EMAIL,"scope":SCOPE} (keys sorted).
std::string ServiceAccountJwtHeader(const ServiceAccountClaims& claims);
std::string ServiceAccountJwtClaims(const ServiceAccountClaims& claims,
                                    std::chrono::system_clock::time_point now);

}  // namespace objectfs::internal
