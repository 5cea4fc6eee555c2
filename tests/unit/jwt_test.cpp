// RS256 JWTs for the Google service-account flow: the exact header/claims
// encoding, a token produced independently with the openssl CLI, and signature
// verification with OpenSSL.
#include "auth/jwt.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "unit/test_rsa_key.hpp"

namespace objectfs::internal {
namespace {

using objectfs::testing::kTestJwtVector;
using objectfs::testing::kTestRsaPrivateKeyPem;
using objectfs::testing::kTestRsaPublicKeyPem;

const ServiceAccountClaims kClaims{"objectfs-test@example.iam.gserviceaccount.com", "test-key-id",
                                   "https://www.googleapis.com/auth/devstorage.read_only",
                                   "https://oauth2.googleapis.com/token"};
const auto kNow = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));

std::string Base64UrlDecode(std::string text) {
  for (char& c : text) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  while (text.size() % 4 != 0) text += '=';
  return Base64Decode(text).value();
}

bool VerifyRs256(const std::string& jwt, const char* public_key_pem) {
  const size_t last_dot = jwt.rfind('.');
  const std::string signing_input = jwt.substr(0, last_dot);
  const std::string signature = Base64UrlDecode(jwt.substr(last_dot + 1));
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(public_key_pem, -1), BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  REQUIRE(key);
  REQUIRE(EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) == 1);
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(),
                          reinterpret_cast<const unsigned char*>(signing_input.data()),
                          signing_input.size()) == 1;
}

TEST_CASE("base64 and base64url encodings (RFC 4648 vectors)", "[jwt]") {
  CHECK(Base64Encode("") == "");
  CHECK(Base64Encode("f") == "Zg==");
  CHECK(Base64Encode("fo") == "Zm8=");
  CHECK(Base64Encode("foobar") == "Zm9vYmFy");
  CHECK(Base64Decode("Zm9vYg==").value() == "foob");
  CHECK(Base64Decode("Zm9vYmE=").value() == "fooba");
  CHECK_FALSE(Base64Decode("Zm9").ok());
  CHECK_FALSE(Base64Decode("Zm9*").ok());
  CHECK(Base64UrlEncode("\xfb\xff") == "-_8");  // RFC 4648 section 5 alphabet, no padding
}

TEST_CASE("service-account JWT header and claims are encoded exactly", "[jwt]") {
  CHECK(ServiceAccountJwtHeader(kClaims) == R"({"alg":"RS256","kid":"test-key-id","typ":"JWT"})");
  CHECK(ServiceAccountJwtClaims(kClaims, kNow) ==
        R"({"aud":"https://oauth2.googleapis.com/token","exp":1700003600,"iat":1700000000,)"
        R"("iss":"objectfs-test@example.iam.gserviceaccount.com",)"
        R"("scope":"https://www.googleapis.com/auth/devstorage.read_only"})");
  ServiceAccountClaims no_kid = kClaims;
  no_kid.private_key_id.clear();
  CHECK(ServiceAccountJwtHeader(no_kid) == R"({"alg":"RS256","typ":"JWT"})");
}

TEST_CASE("RS256 signature matches the openssl CLI and verifies with the public key", "[jwt]") {
  auto jwt = SignJwtRs256(ServiceAccountJwtHeader(kClaims), ServiceAccountJwtClaims(kClaims, kNow),
                          kTestRsaPrivateKeyPem);
  REQUIRE(jwt.ok());
  CHECK(*jwt == kTestJwtVector);
  CHECK(VerifyRs256(*jwt, kTestRsaPublicKeyPem));

  // A changed claim no longer matches the signature.
  std::string tampered = *jwt;
  const size_t first_dot = tampered.find('.');
  tampered[first_dot + 5] = tampered[first_dot + 5] == 'A' ? 'B' : 'A';
  CHECK_FALSE(VerifyRs256(tampered, kTestRsaPublicKeyPem));
}

TEST_CASE("signing with something that is not an RSA private key is a clear error", "[jwt]") {
  auto jwt = SignJwtRs256("{}", "{}", "-----BEGIN PRIVATE KEY-----\nnot a key\n");
  REQUIRE_FALSE(jwt.ok());
  CHECK(jwt.status().code() == StatusCode::kInvalidArgument);
  CHECK(jwt.status().message().find("RSA private key") != std::string::npos);
  CHECK_FALSE(SignJwtRs256("{}", "{}", kTestRsaPublicKeyPem).ok());
}

}  // namespace
}  // namespace objectfs::internal
