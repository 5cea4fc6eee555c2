// What the mount's file system reads and writes: listings, opens, uploads and
// deletes of keys in the one bucket it serves. The mount uses a Client
// (ClientSource); unit tests use an in-memory store.
#pragma once

#include <memory>
#include <string>

#include "objectfs/client.hpp"
#include "objectfs/file.hpp"
#include "objectfs/status.hpp"
#include "objectfs/store.hpp"
#include "objectfs/writer.hpp"

namespace objectfs::mount {

class ObjectSource {
 public:
  virtual ~ObjectSource() = default;
  // All thread-safe. Keys and prefixes are relative to the bucket.
  virtual Result<ListPage> List(const ListRequest& request) = 0;
  // Opens `key`; reads pin the ETag seen now.
  virtual Result<std::shared_ptr<File>> Open(const std::string& key) = 0;
  // Opens `key` pinned to `listed`, its entry from List (Client::OpenListed:
  // no request where the store's listing spells the ETag as a HEAD does).
  virtual Result<std::shared_ptr<File>> OpenListed(const std::string& key, ObjectInfo listed) {
    (void)listed;
    return Open(key);
  }
  // Starts an upload of `key` (Client::Create); read-only sources refuse.
  virtual Result<std::unique_ptr<Writer>> Create(const std::string& key,
                                                 const WriteOptions& /*options*/) {
    return ReadOnly(key + ": this source takes no writes");
  }
  // Removes `key` (Client::Delete).
  virtual Status Delete(const std::string& key) {
    return ReadOnly(key + ": this source takes no deletes");
  }
};

// The bucket of `uri_base` ("s3://bucket/") through the Client's public API.
class ClientSource final : public ObjectSource {
 public:
  ClientSource(std::shared_ptr<Client> client, std::string uri_base)
      : client_(std::move(client)), uri_base_(std::move(uri_base)) {}

  Result<ListPage> List(const ListRequest& request) override {
    return client_->List(uri_base_ + request.prefix, request.delimiter, request.page_token,
                         request.max_keys);
  }
  Result<std::shared_ptr<File>> Open(const std::string& key) override {
    return client_->Open(uri_base_ + key);
  }
  Result<std::shared_ptr<File>> OpenListed(const std::string& key, ObjectInfo listed) override {
    return client_->OpenListed(uri_base_ + key, std::move(listed));
  }
  Result<std::unique_ptr<Writer>> Create(const std::string& key,
                                         const WriteOptions& options) override {
    return client_->Create(uri_base_ + key, options);
  }
  Status Delete(const std::string& key) override { return client_->Delete(uri_base_ + key); }

 private:
  const std::shared_ptr<Client> client_;
  const std::string uri_base_;
};

}  // namespace objectfs::mount
