// Parsing of Azure Blob's XML responses: List Blobs (EnumerationResults) and
// error documents.
#pragma once

#include <string>
#include <string_view>

#include "objectfs/status.hpp"
#include "objectfs/store.hpp"

namespace objectfs::internal {

struct AzureError {
  std::string code;     // e.g. "BlobNotFound"; empty when the body was not an error
  std::string message;  // the server's first line (Azure appends RequestId/Time lines)
};

// Never fails: a body that is not an error document gives empty fields.
AzureError ParseAzureError(std::string_view body);

// One List Blobs page. Names are returned with `name_prefix` in front (the
// container, for account-level stores); ETags are quoted like the ETag header.
Result<ListPage> ParseListBlobs(std::string_view body, std::string_view name_prefix = {});

}  // namespace objectfs::internal
