// Credential inputs: AWS ini files, Azure connection strings, Google
// credential JSON and token answers.
#include "auth/azure_credentials.hpp"
#include "auth/gcs_credentials.hpp"
#include "auth/ini_file.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = objectfs::fuzz::Text(data, size);
  using namespace objectfs::internal;
  auto ini = IniFile::Parse(text, "fuzz.ini");
  if (ini.ok()) (void)ini->Find("default");
  (void)ParseConnectionString(text);
  (void)ParseGoogleCredentialsFile(text, "fuzz.json");
  objectfs::internal::HttpResponse response;
  response.status = 200;
  response.body = std::string(text);
  (void)ParseTokenResponse(response, "fuzz token", std::chrono::system_clock::now());
  return 0;
}
