// GCS JSON API answers: object resources, listings, rewrites, errors.
#include "fuzz_common.hpp"
#include "stores/gcs/gcs_json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view json = objectfs::fuzz::Text(data, size);
  using namespace objectfs::internal;
  (void)ParseGcsObject(json);
  (void)ParseGcsObjectList(json);
  (void)ParseGcsRewrite(json);
  (void)GcsErrorMessage(json);
  return 0;
}
