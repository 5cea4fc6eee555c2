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

  std::string Describe() const override { return "s3://" + bucket_; }
  std::string CacheNamespace() const override { return "s3://" + authority_ + "/" + bucket_; }
  Result<ObjectInfo> Stat(std::string_view key) override;
  Result<size_t> Read(std::string_view key, ByteRange range, std::span<std::byte> out,
                      const ReadConditions& conditions) override;
  Result<ListPage> List(const ListRequest& request) override;

 private:
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
