// Azure's List Blobs document and its error document.
#include "fuzz_common.hpp"
#include "http/xml_error.hpp"
#include "stores/azure/azure_xml.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body = objectfs::fuzz::Text(data, size);
  (void)objectfs::internal::ParseListBlobs(body, "prefix/");
  (void)objectfs::internal::ParseXmlError(409, body);
  return 0;
}
