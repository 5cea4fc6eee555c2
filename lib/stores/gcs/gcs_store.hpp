// Google Cloud Storage through the JSON API: object metadata GET, media
// download (`alt=media`) with Range pinned to the generation seen at open, and
// objects.list. Requests carry the Client's OAuth2 token unless anonymous.
#pragma once

#include <memory>
#include <string>

#include "auth/gcs_token_provider.hpp"
#include "http/rest.hpp"
#include "http/transport.hpp"
#include "objectfs/options.hpp"
#include "objectfs/store.hpp"
#include "util/env.hpp"

namespace objectfs::internal {

struct GcsSettings {
  // scheme://host[:port] without a trailing slash.
  std::string endpoint = "https://storage.googleapis.com";
  bool emulator = false;  // requests go unauthenticated
};

// options.emulator_host, else STORAGE_EMULATOR_HOST (either "host:port" or
// "http://host:port"), else options.endpoint, else Google's endpoint.
// InvalidArgument for a URL that is not http(s)://host[:port][/].
Result<GcsSettings> ResolveGcsSettings(const GcsOptions& options, const EnvLookup& env);

class GcsStore : public ObjectStore {
 public:
  GcsStore(std::string bucket, GcsSettings settings, std::shared_ptr<GcsTokenProvider> tokens,
           std::shared_ptr<HttpTransport> transport);

  std::string Describe() const override { return "gs://" + bucket_; }
  StoreCapabilities Capabilities() const override;
  std::string CacheNamespace() const override { return settings_.endpoint + "/gs/" + bucket_; }
  // Thread-safe. One metadata GET; ObjectInfo::version is the generation.
  Result<ObjectInfo> Stat(std::string_view key) override;
  // Thread-safe. Pinned with generation= and ifGenerationMatch= when
  // conditions.version is set; a different x-goog-generation in the answer is
  // kObjectChanged too (emulators ignore the parameters). Reads that cover the
  // whole object are checked against the object's CRC-32C.
  Result<size_t> Read(std::string_view key, ByteRange range, std::span<std::byte> out,
                      const ReadConditions& conditions) override;
  // Thread-safe. objects.list with prefix, delimiter, pageToken, maxResults.
  Result<ListPage> List(const ListRequest& request) override;

  // Writes (gcs_writes.cpp). Thread-safe. A media upload below the part size,
  // a resumable upload session above it (parts in order, one at a time); the
  // CRC-32C of the bytes goes in x-goog-hash and is checked against the one
  // the server reports (a mismatch deletes the object: kDataLoss).
  // if_none_match sends ifGenerationMatch=0. Copy is objects.rewrite pinned
  // with ifSourceGenerationMatch. ListUploads: not applicable (the default).
  Result<ObjectInfo> Put(std::string_view key, std::span<const std::byte> bytes,
                         const WriteConditions& conditions) override;
  Result<std::unique_ptr<StoreUpload>> StartUpload(std::string_view key,
                                                   const WriteConditions& conditions) override;
  Status Delete(std::string_view key) override;
  Result<ObjectInfo> Copy(std::string_view source, const ReadConditions& source_pin,
                          std::string_view destination, const WriteConditions& conditions) override;

 private:
  friend class GcsUpload;
  struct Call : RestCall {
    std::string key;  // empty for bucket-level calls (listings)
    bool bucket_level = false;
    bool upload = false;  // the upload endpoint (/upload/storage/v1/b/BUCKET/o), key in the query
    std::string suffix;   // appended to the object's path (encoded), e.g. "/rewriteTo/..."
    std::string url;      // a whole URL (a resumable session); wins over the rest
  };

  Result<HttpResponse> Send(const Call& call);
  // A non-2xx answer as a Status naming the bucket, key, HTTP status, the
  // server's message and, for access errors, the credential source.
  Status ErrorStatus(const Call& call, const HttpResponse& response);
  std::string What(const Call& call) const;
  Result<size_t> CheckMediaResponse(const Call& call, ByteRange range,
                                    const ReadConditions& conditions, const HttpResponse& response);

  // The object resource a finished upload answered with, checked against the
  // CRC-32C of the bytes sent; a mismatch deletes what was written.
  Result<ObjectInfo> CheckWritten(const Call& call, const HttpResponse& response, uint32_t crc32c);
  // Deletes `key` if it is still `generation` (what a failed upload wrote).
  Status DeleteGeneration(std::string_view key, const std::string& generation);

  const std::string bucket_;
  const GcsSettings settings_;
  std::shared_ptr<GcsTokenProvider> tokens_;
  std::shared_ptr<HttpTransport> transport_;
};

}  // namespace objectfs::internal
