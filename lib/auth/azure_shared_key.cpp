#include "auth/azure_shared_key.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>
#include <map>

#include "auth/sigv4.hpp"

namespace objectfs::internal {
namespace {

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string Trim(std::string_view v) {
  const size_t first = v.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const size_t last = v.find_last_not_of(" \t");
  return std::string(v.substr(first, last - first + 1));
}

const std::string* Find(const Headers& headers, std::string_view lower_name) {
  for (const auto& [name, value] : headers) {
    if (ToLower(name) == lower_name) return &value;
  }
  return nullptr;
}

}  // namespace

std::string HttpDate(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const auto secs = floor<seconds>(t);
  const auto day = floor<days>(secs);
  const year_month_day ymd{day};
  const weekday wd{day};
  const hh_mm_ss hms{secs - day};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02u %s %04d %02d:%02d:%02d GMT", kDays[wd.c_encoding()],
                static_cast<unsigned>(ymd.day()), kMonths[static_cast<unsigned>(ymd.month()) - 1],
                static_cast<int>(ymd.year()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()));
  return buf;
}

std::string AzureCanonicalizedHeaders(const Headers& headers) {
  std::vector<std::pair<std::string, std::string>> ms;
  for (const auto& [name, value] : headers) {
    std::string lower = ToLower(name);
    if (lower.starts_with("x-ms-")) ms.emplace_back(std::move(lower), Trim(value));
  }
  std::stable_sort(ms.begin(), ms.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out;
  for (const auto& [name, value] : ms) out += name + ':' + value + '\n';
  return out;
}

std::string AzureCanonicalizedResource(std::string_view account, std::string_view path,
                                       const QueryParams& query) {
  std::string out = "/" + std::string(account) + (path.empty() ? "/" : std::string(path));
  std::map<std::string, std::vector<std::string>> params;
  for (const auto& [name, value] : query) params[ToLower(name)].push_back(value);
  for (auto& [name, values] : params) {
    std::sort(values.begin(), values.end());
    out += '\n' + name + ':';
    for (size_t i = 0; i < values.size(); ++i) out += (i ? "," : "") + values[i];
  }
  return out;
}

std::string AzureStringToSign(const AzureSignRequest& request) {
  static constexpr std::string_view kStandard[] = {"content-encoding",
                                                   "content-language",
                                                   "content-length",
                                                   "content-md5",
                                                   "content-type",
                                                   "date",
                                                   "if-modified-since",
                                                   "if-match",
                                                   "if-none-match",
                                                   "if-unmodified-since",
                                                   "range"};
  std::string out = request.method + '\n';
  for (std::string_view name : kStandard) {
    const std::string* value = Find(request.headers, name);
    // Since version 2015-02-21 a zero Content-Length is signed as empty.
    if (value != nullptr && !(name == "content-length" && *value == "0")) out += *value;
    out += '\n';
  }
  out += AzureCanonicalizedHeaders(request.headers);
  out += AzureCanonicalizedResource(request.account, request.path, request.query);
  return out;
}

std::string AzureSignature(std::string_view decoded_key, std::string_view string_to_sign) {
  return Base64Encode(HmacSha256(decoded_key, string_to_sign));
}

Headers SignAzureSharedKey(AzureSignRequest request, std::string_view decoded_key,
                           std::chrono::system_clock::time_point now) {
  std::erase_if(request.headers, [](const auto& h) {
    const std::string name = ToLower(h.first);
    return name == "x-ms-date" || name == "authorization";
  });
  request.headers.emplace_back("x-ms-date", HttpDate(now));
  const std::string signature = AzureSignature(decoded_key, AzureStringToSign(request));
  request.headers.emplace_back("Authorization", "SharedKey " + request.account + ':' + signature);
  return std::move(request.headers);
}

}  // namespace objectfs::internal
