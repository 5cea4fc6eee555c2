#include "stores/s3/s3_xml.hpp"

#include <cstdlib>
#include <ctime>
#include <pugixml.hpp>

#include "util/time_formats.hpp"

namespace objectfs::internal {
Result<ListPage> ParseListObjectsV2(std::string_view body) {
  pugi::xml_document xml;
  const pugi::xml_parse_result parsed = xml.load_buffer(body.data(), body.size());
  if (!parsed) {
    return DataLoss(std::string("malformed ListObjectsV2 response: ") + parsed.description());
  }
  pugi::xml_node root = xml.child("ListBucketResult");
  if (!root) return DataLoss("malformed ListObjectsV2 response: no ListBucketResult element");

  ListPage page;
  for (pugi::xml_node entry : root.children("Contents")) {
    ObjectInfo info;
    info.key = entry.child_value("Key");
    info.size = std::strtoull(entry.child_value("Size"), nullptr, 10);
    info.etag = entry.child_value("ETag");
    info.mtime = ParseIso8601(entry.child_value("LastModified"));
    page.objects.push_back(std::move(info));
  }
  for (pugi::xml_node prefix : root.children("CommonPrefixes")) {
    page.common_prefixes.emplace_back(prefix.child_value("Prefix"));
  }
  const std::string_view truncated = root.child_value("IsTruncated");
  if (truncated == "true") {
    page.next_page_token = root.child_value("NextContinuationToken");
    if (page.next_page_token.empty()) {
      return DataLoss("malformed ListObjectsV2 response: truncated without a continuation token");
    }
  }
  return page;
}

}  // namespace objectfs::internal
