// S3 (and S3-compatible) store: HeadObject, ranged GetObject pinned with
// If-Match, ListObjectsV2. Requests are SigV4-signed unless anonymous.
#pragma once

#include <memory>
#include <string>

#include "auth/aws_credential_provider.hpp"
#include "auth/aws_credentials.hpp"
#include "http/rest.hpp"
#include "http/transport.hpp"
#include "objectfs/store.hpp"

namespace objectfs::internal {

class S3Store : public ObjectStore {
 public:
  S3Store(std::string bucket, S3Settings settings,
          std::shared_ptr<AwsCredentialProvider> credentials,
          std::shared_ptr<HttpTransport> transport);

  StoreCapabilities Capabilities() const override;
  std::string Describe() const override { return "s3://" + bucket_; }
  std::string CacheNamespace() const override { return "s3://" + authority_ + "/" + bucket_; }
  Result<ObjectInfo> Stat(std::string_view key) override;
  Result<size_t> Read(std::string_view key, ByteRange range, std::span<std::byte> out,
                      const ReadConditions& conditions) override;
  Result<ListPage> List(const ListRequest& request) override;

  // Writes (s3_writes.cpp). Thread-safe. PutObject below the part size,
  // multipart uploads above it; every body carries Content-MD5, and
  // if_none_match sends If-None-Match: * (servers that ignore it are caught
  // by the Writer's HEAD before the upload, which races).
  Result<ObjectInfo> Put(std::string_view key, std::span<const std::byte> bytes,
                         const WriteConditions& conditions) override;
  Result<std::unique_ptr<StoreUpload>> StartUpload(std::string_view key,
                                                   const WriteConditions& conditions) override;
  Status Delete(std::string_view key) override;
  Result<ObjectInfo> Copy(std::string_view source, const ReadConditions& source_pin,
                          std::string_view destination, const WriteConditions& conditions) override;
  Result<std::vector<PendingUpload>> ListUploads(std::string_view prefix) override;
  Status AbortUpload(std::string_view key, std::string_view upload_id) override;

 private:
  friend class S3Upload;
  struct Call : RestCall {
    std::string key;  // object key; empty with bucket_level for bucket requests
    bool bucket_level = false;
  };

  Result<HttpResponse> Send(const Call& call);
  // Turns a non-2xx response into a Status naming the cause and, for access
  // errors, the credential source (never the secret).
  Status ErrorStatus(const Call& call, const HttpResponse& response);
  // "key 'k' in bucket 'b'", or the bucket for bucket-level calls.
  std::string What(const Call& call) const;
  // HEAD has no body: repeat the request as a one-byte GET to learn why it failed.
  Status ExplainHeadFailure(std::string_view key, const HttpResponse& head);

  const std::string bucket_;
  const S3Settings settings_;
  std::shared_ptr<AwsCredentialProvider> credentials_;
  std::shared_ptr<HttpTransport> transport_;
  std::string scheme_;     // "http" or "https"
  std::string authority_;  // host[:port] of the endpoint
  bool path_style_;
};

}  // namespace objectfs::internal
