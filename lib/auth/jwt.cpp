#include "auth/jwt.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>
#include <nlohmann/json.hpp>

namespace objectfs::internal {
namespace {

template <auto Free>
struct OpenSslDeleter {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};
using BioPtr = std::unique_ptr<BIO, OpenSslDeleter<BIO_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, OpenSslDeleter<EVP_PKEY_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, OpenSslDeleter<EVP_MD_CTX_free>>;

}  // namespace

std::string Base64UrlEncode(std::string_view bytes) {
  std::string out = Base64Encode(bytes);
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

Result<std::string> SignJwtRs256(std::string_view header_json, std::string_view claims_json,
                                 std::string_view private_key_pem) {
  const std::string signing_input =
      Base64UrlEncode(header_json) + "." + Base64UrlEncode(claims_json);
  BioPtr bio(BIO_new_mem_buf(private_key_pem.data(), static_cast<int>(private_key_pem.size())));
  if (!bio) return Internal("JWT signing: out of memory");
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();  // a failed PEM parse leaves errors on this thread's queue
  if (!key || EVP_PKEY_base_id(key.get()) != EVP_PKEY_RSA) {
    return InvalidArgument("the private key is not a PEM-encoded RSA private key");
  }
  MdCtxPtr ctx(EVP_MD_CTX_new());
  size_t length = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &length,
                     reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) != 1) {
    ERR_clear_error();
    return Internal("JWT signing: OpenSSL could not set up RS256");
  }
  std::string signature(length, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) != 1) {
    ERR_clear_error();
    return Internal("JWT signing: OpenSSL failed to sign");
  }
  signature.resize(length);
  return signing_input + "." + Base64UrlEncode(signature);
}

std::string ServiceAccountJwtHeader(const ServiceAccountClaims& claims) {
  nlohmann::json header = {{"alg", "RS256"}, {"typ", "JWT"}};
  if (!claims.private_key_id.empty()) header["kid"] = claims.private_key_id;
  return header.dump();
}

std::string ServiceAccountJwtClaims(const ServiceAccountClaims& claims,
                                    std::chrono::system_clock::time_point now) {
  const int64_t iat =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  const nlohmann::json body = {{"iss", claims.client_email},
                               {"scope", claims.scope},
                               {"aud", claims.audience},
                               {"iat", iat},
                               {"exp", iat + 3600}};
  return body.dump();
}

}  // namespace objectfs::internal
