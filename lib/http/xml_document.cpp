#include "http/xml_document.hpp"

namespace objectfs::internal {

Status LoadXmlDocument(pugi::xml_document& doc, std::string_view body, std::string_view what) {
  const pugi::xml_parse_result parsed = doc.load_buffer(body.data(), body.size());
  if (!parsed) return DataLoss("malformed " + std::string(what) + ": " + parsed.description());
  int roots = 0;
  for (pugi::xml_node node : doc.children()) {
    if (node.type() == pugi::node_element) ++roots;
    if (node.type() == pugi::node_pcdata || node.type() == pugi::node_cdata) {
      return DataLoss("malformed " + std::string(what) + ": text outside the root element");
    }
  }
  if (roots != 1) {
    return DataLoss("malformed " + std::string(what) + ": " + std::to_string(roots) +
                    " root elements (expected one)");
  }
  return Status::Ok();
}

}  // namespace objectfs::internal
