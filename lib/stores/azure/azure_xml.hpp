// Parsing of Azure Blob's List Blobs XML (EnumerationResults) and Get Block
// List XML (BlockList); error
// documents: http/xml_error.hpp.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "objectfs/status.hpp"
#include "objectfs/store.hpp"

namespace objectfs::internal {

// One List Blobs page. Names are returned with `name_prefix` in front (the
// container, for account-level stores); ETags are quoted like the ETag header.
Result<ListPage> ParseListBlobs(std::string_view body, std::string_view name_prefix = {});

// The committed block ids (base64, as sent) of a Get Block List answer, in order.
Result<std::vector<std::string>> ParseCommittedBlocks(std::string_view body);

}  // namespace objectfs::internal
