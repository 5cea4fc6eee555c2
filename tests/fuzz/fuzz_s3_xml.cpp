// S3's listing, error and multipart XML documents.
#include "fuzz_common.hpp"
#include "http/xml_error.hpp"
#include "stores/s3/s3_xml.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body = objectfs::fuzz::Text(data, size);
  using namespace objectfs::internal;
  (void)ParseListObjectsV2(body);
  (void)ParseUploadId(body);
  (void)ParseResultETag(body, "CompleteMultipartUploadResult");
  (void)ParseResultETag(body, "CopyObjectResult");
  (void)ParseListMultipartUploads(body);
  (void)ParseXmlError(500, body);
  return 0;
}
