#include "stores/azure/azure_xml.hpp"

#include <pugixml.hpp>

#include "http/rest.hpp"
#include "http/xml_document.hpp"
#include "util/time_formats.hpp"

namespace objectfs::internal {

Result<ListPage> ParseListBlobs(std::string_view body, std::string_view name_prefix) {
  pugi::xml_document doc;
  OBJECTFS_RETURN_IF_ERROR(LoadXmlDocument(doc, body, "List Blobs response"));
  pugi::xml_node root = doc.child("EnumerationResults");
  if (!root) {
    return DataLoss("List Blobs: response is not an EnumerationResults document");
  }
  ListPage page;
  pugi::xml_node blobs = root.child("Blobs");
  for (pugi::xml_node blob : blobs.children("Blob")) {
    ObjectInfo info;
    info.key = std::string(name_prefix) + blob.child_value("Name");
    pugi::xml_node props = blob.child("Properties");
    OBJECTFS_ASSIGN_OR_RETURN(info.size, ParseObjectSize(props.child_value("Content-Length"),
                                                         "List Blobs entry '" + info.key + "'"));
    info.etag = props.child_value("Etag");
    if (!info.etag.empty() && info.etag.front() != '"') info.etag = '"' + info.etag + '"';
    info.mtime = ParseHttpDate(props.child_value("Last-Modified"));
    page.objects.push_back(std::move(info));
  }
  for (pugi::xml_node prefix : blobs.children("BlobPrefix")) {
    page.common_prefixes.push_back(std::string(name_prefix) + prefix.child_value("Name"));
  }
  page.next_page_token = root.child_value("NextMarker");
  return page;
}

Result<std::vector<std::string>> ParseCommittedBlocks(std::string_view body) {
  pugi::xml_document doc;
  OBJECTFS_RETURN_IF_ERROR(LoadXmlDocument(doc, body, "Get Block List response"));
  pugi::xml_node root = doc.child("BlockList");
  if (!root) return DataLoss("Get Block List: response is not a BlockList document");
  std::vector<std::string> ids;
  for (pugi::xml_node block : root.child("CommittedBlocks").children("Block")) {
    ids.emplace_back(block.child_value("Name"));
  }
  return ids;
}

}  // namespace objectfs::internal
