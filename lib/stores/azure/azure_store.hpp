// Azure Blob store: Get Blob Properties, ranged Get Blob pinned with If-Match,
// List Blobs. Requests are SharedKey-signed, carry a SAS token, or go anonymous.
#pragma once

#include <memory>
#include <string>

#include "auth/azure_credentials.hpp"
#include "http/rest.hpp"
#include "http/transport.hpp"
#include "objectfs/store.hpp"

namespace objectfs::internal {

class AzureStore : public ObjectStore {
 public:
  // The x-ms-version sent with every request.
  static constexpr const char* kApiVersion = "2021-08-06";

  // `container` empty: an account-level store (https://ACCOUNT.blob.core.windows.net
  // URIs) whose keys are "CONTAINER/BLOB". Thread-safe.
  AzureStore(std::string container, AzureCredentials credentials,
             std::shared_ptr<HttpTransport> transport);

  std::string Describe() const override;
  std::string CacheNamespace() const override;
  Result<ObjectInfo> Stat(std::string_view key) override;
  Result<size_t> Read(std::string_view key, ByteRange range, std::span<std::byte> out,
                      const ReadConditions& conditions) override;
  Result<ListPage> List(const ListRequest& request) override;

  // Writes (azure_writes.cpp). Thread-safe. Put Blob below the part size, Put
  // Block (in parallel) + Put Block List above it; every body carries
  // Content-MD5, and if_none_match sends If-None-Match: *. Copy is Copy Blob
  // pinned with x-ms-source-if-match, waited for while it is pending.
  StoreCapabilities Capabilities() const override;
  Result<ObjectInfo> Put(std::string_view key, std::span<const std::byte> bytes,
                         const WriteConditions& conditions) override;
  Result<std::unique_ptr<StoreUpload>> StartUpload(std::string_view key,
                                                   const WriteConditions& conditions) override;
  Status Delete(std::string_view key) override;
  Result<ObjectInfo> Copy(std::string_view source, const ReadConditions& source_pin,
                          std::string_view destination, const WriteConditions& conditions) override;

 private:
  friend class AzureUpload;
  struct Call : RestCall {
    std::string container;
    std::string blob;  // empty for container-level requests
  };

  // Splits a key into container and blob name.
  Result<Call> CallFor(std::string_view key) const;
  Result<HttpResponse> Send(const Call& call);
  // A non-2xx response as a Status naming the blob or container, the HTTP
  // status, the server's error code and message and, for access errors, the
  // credential source (never the key).
  Status ErrorStatus(const Call& call, const HttpResponse& response) const;
  // The Call of a write: like CallFor, but a blob name is required.
  Result<Call> BlobCallFor(std::string_view key) const;
  // The URL of a blob, as Copy Blob's x-ms-copy-source names it (with the SAS, if any).
  std::string BlobUrl(const Call& call) const;
  // Waits for a pending Copy Blob to succeed or fail (bounded): the final Get
  // Blob Properties answer.
  Result<HttpResponse> AwaitCopy(const Call& destination, const std::string& copy_id);

  const std::string container_;
  const AzureCredentials credentials_;
  std::shared_ptr<HttpTransport> transport_;
  std::string origin_;     // scheme://host[:port]
  std::string base_path_;  // "" or "/ACCOUNT" for path-style (emulator) endpoints
};

}  // namespace objectfs::internal
