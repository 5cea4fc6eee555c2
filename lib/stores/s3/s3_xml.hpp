// Parsing of S3's ListObjectsV2 XML (error documents: http/xml_error.hpp).
#pragma once

#include <string>
#include <string_view>

#include "objectfs/status.hpp"
#include "objectfs/store.hpp"

namespace objectfs::internal {

// A ListBucketResult (ListObjectsV2) page.
Result<ListPage> ParseListObjectsV2(std::string_view body);

}  // namespace objectfs::internal
