#include "objectfs/uri.hpp"

#include <algorithm>
#include <cctype>

#include "core/uri_parse.hpp"
#include "util/ascii.hpp"
#include "util/utf8.hpp"

namespace objectfs {
namespace {

// Bucket and container names across S3 (including legacy and S3-compatible
// servers), GCS and Azure: letters, digits, '.', '-', '_', 3 to 222 bytes.
Status ValidateBucket(std::string_view uri, std::string_view bucket) {
  if (bucket.empty()) {
    return InvalidArgument("malformed URI '" + std::string(uri) +
                           "': missing bucket name (expected SCHEME://BUCKET/KEY)");
  }
  auto valid_char = [](unsigned char c) {
    return std::isalnum(c) || c == '.' || c == '-' || c == '_';
  };
  if (!std::all_of(bucket.begin(), bucket.end(), valid_char)) {
    return InvalidArgument("malformed URI '" + std::string(uri) + "': invalid bucket name '" +
                           std::string(bucket) + "' (letters, digits, '.', '-' and '_' only)");
  }
  if (bucket.size() < 3 || bucket.size() > 222) {
    return InvalidArgument("malformed URI '" + std::string(uri) + "': bucket name '" +
                           std::string(bucket) + "' must be 3 to 222 characters long");
  }
  return Status::Ok();
}

}  // namespace

std::string Uri::ToString() const {
  // A relative path stays a plain path: "file://dir/x" would not parse back.
  if (scheme == "file") return key.starts_with('/') ? "file://" + key : key;
  return scheme + "://" + bucket + "/" + key;
}

std::string Uri::ForMessages() const {
  std::string text = ToString();
  if (scheme == "http" || scheme == "https") text = text.substr(0, text.find('?'));
  return text;
}

}  // namespace objectfs

namespace objectfs::internal {

Result<Uri> ParseUriWith(std::string_view text, const SchemeRules& rules) {
  if (text.empty()) return InvalidArgument("empty URI");
  if (text.find('\0') != std::string_view::npos) {
    return InvalidArgument("malformed URI: contains a NUL byte");
  }
  const size_t sep = text.find("://");
  if (sep == std::string_view::npos) {
    // "s3:bucket/key" is a typo, not a local file called "s3:bucket".
    const size_t colon = text.find(':');
    if (colon != std::string_view::npos && rules.style(AsciiLower(text.substr(0, colon)))) {
      return InvalidArgument("malformed URI '" + std::string(text) + "': expected " +
                             AsciiLower(text.substr(0, colon)) + "://...");
    }
    return Uri{"file", "", std::string(text)};
  }

  Uri uri;
  uri.scheme = AsciiLower(text.substr(0, sep));
  const std::optional<UriStyle> style = rules.style(uri.scheme);
  if (!style) {
    return InvalidArgument("unsupported URI scheme '" + uri.scheme + "' in '" + std::string(text) +
                           "' (supported: " + rules.supported + ")");
  }
  std::string_view rest = text.substr(sep + 3);
  if (*style == UriStyle::kPath) {
    if (rest.empty() || rest.front() != '/') {
      return InvalidArgument("malformed URI '" + std::string(text) +
                             "': a file URI needs an absolute path (file:///path)");
    }
    uri.key = std::string(rest);
    return uri;
  }
  const size_t slash = rest.find('/');
  uri.bucket = std::string(rest.substr(0, slash));
  if (slash != std::string_view::npos) uri.key = std::string(rest.substr(slash + 1));
  if (*style == UriStyle::kHost) {
    if (uri.bucket.empty()) {
      return InvalidArgument("malformed URI '" + std::string(text) + "': missing host");
    }
    return uri;
  }
  OBJECTFS_RETURN_IF_ERROR(ValidateBucket(text, uri.bucket));
  // S3, GCS and Azure keys are UTF-8: refuse here, with the bytes shown,
  // rather than send a name the server rejects (or mangles) without a word.
  if (const size_t bad = FirstInvalidUtf8(uri.key); bad != std::string::npos) {
    return InvalidArgument("malformed URI '" + EscapeInvalidUtf8(text) +
                           "': the key is not valid UTF-8 (at byte " + std::to_string(bad) + ")");
  }
  return uri;
}

const SchemeRules& BuiltinSchemeRules() {
  static const SchemeRules rules{[](std::string_view scheme) -> std::optional<UriStyle> {
                                   if (scheme == "s3" || scheme == "gs" || scheme == "az")
                                     return UriStyle::kBucket;
                                   if (scheme == "http" || scheme == "https")
                                     return UriStyle::kHost;
                                   if (scheme == "file") return UriStyle::kPath;
                                   return std::nullopt;
                                 },
                                 "s3, gs, az, http, https, file"};
  return rules;
}

}  // namespace objectfs::internal

namespace objectfs {

Result<Uri> ParseUri(std::string_view text) {
  return internal::ParseUriWith(text, internal::BuiltinSchemeRules());
}

}  // namespace objectfs
