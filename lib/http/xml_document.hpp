// Strict loading of the XML documents servers answer with (S3, Azure).
#pragma once

#include <pugixml.hpp>
#include <string>
#include <string_view>

#include "objectfs/status.hpp"

namespace objectfs::internal {

// Parses `body` into `doc`: a parse error, or anything but exactly one root
// element (pugixml also takes a document doubled, or text beside the root),
// is kDataLoss "malformed WHAT: ...".
Status LoadXmlDocument(pugi::xml_document& doc, std::string_view body, std::string_view what);

}  // namespace objectfs::internal
