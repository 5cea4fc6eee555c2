#include "auth/sigv4.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "util/hex.hpp"

namespace objectfs::internal {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

// SHA-256 and HMAC only fail when OpenSSL cannot allocate or its default
// provider is missing: like std::bad_alloc, not something a caller can handle,
// and a wrong signature would only resurface later as a baffling 403.
[[noreturn]] void CryptoFailed() { std::abort(); }

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

// SigV4 "Trimall": strip leading/trailing blanks, collapse inner runs to one space.
std::string TrimAll(std::string_view v) {
  std::string out;
  bool pending_space = false;
  for (char c : v) {
    if (IsBlank(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

struct CanonicalHeaders {
  std::string block;         // "name:value\n" per distinct name
  std::string signed_names;  // "name1;name2"
};

CanonicalHeaders Canonicalize(const Headers& headers) {
  Headers norm;
  norm.reserve(headers.size());
  for (const auto& [name, value] : headers) norm.emplace_back(ToLower(name), TrimAll(value));
  // Stable: repeated headers keep their wire order when joined below.
  std::stable_sort(norm.begin(), norm.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  CanonicalHeaders out;
  for (size_t i = 0; i < norm.size(); ++i) {
    const bool same_as_previous = i > 0 && norm[i].first == norm[i - 1].first;
    if (same_as_previous) {
      out.block.back() = ',';  // replace the previous line's '\n'
    } else {
      if (!out.signed_names.empty()) out.signed_names += ';';
      out.signed_names += norm[i].first;
      out.block += norm[i].first + ':';
    }
    out.block += norm[i].second + '\n';
  }
  return out;
}

std::string CanonicalRequestWith(const SigV4Request& r, const CanonicalHeaders& h) {
  std::string out = r.method + '\n';
  out += r.canonical_uri.empty() ? "/" : r.canonical_uri;
  out += '\n' + CanonicalQueryString(r.query) + '\n';
  out += h.block + '\n';
  out += h.signed_names + '\n';
  out += r.payload_sha256_hex;
  return out;
}

}  // namespace

std::string Sha256Hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) != 1) CryptoFailed();
  return HexEncode({reinterpret_cast<const char*>(md), len});
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  // OpenSSL reads a null key as "no key given"; an empty key must still be a key.
  static const unsigned char kNoKey = 0;
  const void* key_ptr = key.empty() ? &kNoKey : static_cast<const void*>(key.data());
  const auto* in = reinterpret_cast<const unsigned char*>(data.data());
  if (HMAC(EVP_sha256(), key_ptr, static_cast<int>(key.size()), in, data.size(), md, &len) ==
      nullptr) {
    CryptoFailed();
  }
  return {reinterpret_cast<const char*>(md), len};
}

std::string AmzDate(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto secs = floor<seconds>(t);
  const auto day = floor<days>(secs);
  const year_month_day ymd{day};
  const hh_mm_ss hms{secs - day};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d%02u%02uT%02d%02d%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

std::string CanonicalRequest(const SigV4Request& request) {
  return CanonicalRequestWith(request, Canonicalize(request.headers));
}

std::string StringToSign(std::string_view amz_date, std::string_view credential_scope,
                         std::string_view canonical_request) {
  std::string out(kAlgorithm);
  out += '\n';
  out += amz_date;
  out += '\n';
  out += credential_scope;
  out += '\n';
  out += Sha256Hex(canonical_request);
  return out;
}

Headers SignV4(SigV4Request request, const AwsCredentials& creds, std::string_view region,
               std::string_view service, std::chrono::system_clock::time_point now) {
  std::erase_if(request.headers, [](const auto& h) {
    const std::string name = ToLower(h.first);
    return name == "x-amz-date" || name == "x-amz-security-token" || name == "authorization";
  });
  const std::string amz_date = AmzDate(now);
  request.headers.emplace_back("x-amz-date", amz_date);
  if (!creds.session_token.empty()) {
    request.headers.emplace_back("x-amz-security-token", creds.session_token);
  }

  const std::string_view date = std::string_view(amz_date).substr(0, 8);  // YYYYMMDD
  std::string scope(date);
  scope += '/';
  scope += region;
  scope += '/';
  scope += service;
  scope += "/aws4_request";

  const CanonicalHeaders canonical = Canonicalize(request.headers);
  const std::string to_sign =
      StringToSign(amz_date, scope, CanonicalRequestWith(request, canonical));

  // The signing key is scoped to day, region and service, so a leaked one is of limited use.
  std::string key = HmacSha256("AWS4" + creds.secret_access_key, date);
  key = HmacSha256(key, region);
  key = HmacSha256(key, service);
  key = HmacSha256(key, "aws4_request");

  std::string authorization(kAlgorithm);
  authorization += " Credential=" + creds.access_key_id + '/' + scope;
  authorization += ", SignedHeaders=" + canonical.signed_names;
  authorization += ", Signature=" + HexEncode(HmacSha256(key, to_sign));
  request.headers.emplace_back("Authorization", std::move(authorization));
  return std::move(request.headers);
}

}  // namespace objectfs::internal
