#include "stores/s3/s3_xml.hpp"

#include <cstdlib>
#include <ctime>
#include <pugixml.hpp>

#include "http/rest.hpp"
#include "http/xml_document.hpp"
#include "util/time_formats.hpp"

namespace objectfs::internal {
Result<ListPage> ParseListObjectsV2(std::string_view body) {
  pugi::xml_document xml;
  OBJECTFS_RETURN_IF_ERROR(LoadXmlDocument(xml, body, "ListObjectsV2 response"));
  pugi::xml_node root = xml.child("ListBucketResult");
  if (!root) return DataLoss("malformed ListObjectsV2 response: no ListBucketResult element");

  ListPage page;
  for (pugi::xml_node entry : root.children("Contents")) {
    ObjectInfo info;
    info.key = entry.child_value("Key");
    OBJECTFS_ASSIGN_OR_RETURN(info.size, ParseObjectSize(entry.child_value("Size"),
                                                         "ListObjectsV2 entry '" + info.key + "'"));
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

namespace {

Result<pugi::xml_node> LoadRoot(pugi::xml_document& xml, std::string_view body, const char* root) {
  OBJECTFS_RETURN_IF_ERROR(LoadXmlDocument(xml, body, root));
  pugi::xml_node node = xml.child(root);
  if (node) return node;
  if (pugi::xml_node error = xml.child("Error")) {
    return Unavailable(std::string(root) + " failed: " + error.child_value("Code") + ": " +
                       error.child_value("Message"));
  }
  return DataLoss(std::string("malformed answer: no ") + root + " element");
}

}  // namespace

Result<std::string> ParseUploadId(std::string_view body) {
  pugi::xml_document xml;
  OBJECTFS_ASSIGN_OR_RETURN(pugi::xml_node root,
                            LoadRoot(xml, body, "InitiateMultipartUploadResult"));
  std::string id = root.child_value("UploadId");
  if (id.empty()) return DataLoss("InitiateMultipartUploadResult without an UploadId");
  return id;
}

Result<std::string> ParseResultETag(std::string_view body, const char* root_name) {
  pugi::xml_document xml;
  OBJECTFS_ASSIGN_OR_RETURN(pugi::xml_node root, LoadRoot(xml, body, root_name));
  return std::string(root.child_value("ETag"));
}

std::string CompleteMultipartUploadXml(const std::vector<std::string>& part_etags) {
  std::string xml = "<CompleteMultipartUpload>";
  for (size_t i = 0; i < part_etags.size(); ++i) {
    // ETags are hex in quotes: nothing to escape.
    xml += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" + part_etags[i] +
           "</ETag></Part>";
  }
  return xml + "</CompleteMultipartUpload>";
}

Result<UploadsPage> ParseListMultipartUploads(std::string_view body) {
  pugi::xml_document xml;
  OBJECTFS_ASSIGN_OR_RETURN(pugi::xml_node root, LoadRoot(xml, body, "ListMultipartUploadsResult"));
  UploadsPage page;
  for (pugi::xml_node upload : root.children("Upload")) {
    PendingUpload pending;
    pending.key = upload.child_value("Key");
    pending.upload_id = upload.child_value("UploadId");
    pending.started = ParseIso8601(upload.child_value("Initiated"));
    page.uploads.push_back(std::move(pending));
  }
  if (std::string_view(root.child_value("IsTruncated")) == "true") {
    page.next_key_marker = root.child_value("NextKeyMarker");
    page.next_upload_id_marker = root.child_value("NextUploadIdMarker");
    if (page.next_key_marker.empty()) {
      return DataLoss("malformed ListMultipartUploadsResult: truncated without a NextKeyMarker");
    }
  }
  return page;
}

}  // namespace objectfs::internal
