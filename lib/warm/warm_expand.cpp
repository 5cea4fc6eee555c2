#include "warm/warm_expand.hpp"

namespace objectfs::internal {

Status ExpandWarmUri(WarmSource& source, const std::string& text, std::vector<WarmTarget>* out) {
  OBJECTFS_ASSIGN_OR_RETURN(Uri uri, ParseUri(text));
  Status stat_error;
  if (!uri.key.empty() && uri.key.back() != '/') {
    auto info = source.Stat(text);
    if (info.ok()) {
      const uint64_t size = info->size;
      out->push_back(WarmTarget{uri.ToString(), size, std::move(*info)});
      return Status::Ok();
    }
    if (info.status().code() != StatusCode::kNotFound) return info.status();
    stat_error = info.status();
    uri.key += '/';
  }
  const std::string prefix = uri.ToString();
  size_t found = 0;
  std::string token;
  do {
    OBJECTFS_ASSIGN_OR_RETURN(ListPage page, source.List(prefix, token));
    for (const ObjectInfo& info : page.objects) {
      if (!info.key.empty() && info.key.back() == '/' && info.size == 0) continue;  // folder marker
      out->push_back(WarmTarget{Uri{uri.scheme, uri.bucket, info.key}.ToString(), info.size, {}});
      ++found;
    }
    token = page.next_page_token;
  } while (!token.empty());
  if (found == 0) {
    return stat_error.ok() ? NotFound(prefix + ": no objects under this prefix") : stat_error;
  }
  return Status::Ok();
}

}  // namespace objectfs::internal
