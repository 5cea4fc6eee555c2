// S3's XML documents: listings, and the multipart upload and copy answers
// (error documents: http/xml_error.hpp).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "objectfs/status.hpp"
#include "objectfs/store.hpp"

namespace objectfs::internal {

// A ListBucketResult (ListObjectsV2) page.
Result<ListPage> ParseListObjectsV2(std::string_view body);

// The UploadId of an InitiateMultipartUploadResult.
Result<std::string> ParseUploadId(std::string_view body);

// The ETag of a CompleteMultipartUploadResult or CopyObjectResult (`root`).
// S3 may answer 200 with an <Error> document to both: that is returned as
// kUnavailable (retryable) or the error's meaning, naming its code.
Result<std::string> ParseResultETag(std::string_view body, const char* root);

// <CompleteMultipartUpload> listing parts 1..n with their ETags.
std::string CompleteMultipartUploadXml(const std::vector<std::string>& part_etags);

// A ListMultipartUploadsResult page and the markers of the next one.
struct UploadsPage {
  std::vector<PendingUpload> uploads;
  std::string next_key_marker;  // empty on the last page
  std::string next_upload_id_marker;
};
Result<UploadsPage> ParseListMultipartUploads(std::string_view body);

}  // namespace objectfs::internal
