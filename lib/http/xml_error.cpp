#include "http/xml_error.hpp"

#include <pugixml.hpp>
#include <string>

namespace objectfs::internal {

HttpError ParseXmlError(long status, std::string_view body) {
  HttpError error{status, "", ""};
  pugi::xml_document doc;
  if (!doc.load_buffer(body.data(), body.size())) return error;
  const pugi::xml_node root = doc.child("Error");
  if (!root) return error;
  error.code = root.child_value("Code");
  error.message = root.child_value("Message");
  error.message = error.message.substr(0, error.message.find('\n'));
  return error;
}

}  // namespace objectfs::internal
