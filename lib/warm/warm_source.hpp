// What a warm needs from the library: metadata, recursive listings and opens
// by URI, and the disk cache's block size. Warm(Client&) uses the Client;
// unit tests use a fake store.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>

#include "objectfs/client.hpp"
#include "objectfs/warm.hpp"

namespace objectfs::internal {

class WarmSource {
 public:
  virtual ~WarmSource() = default;
  // All thread-safe.
  virtual Result<ObjectInfo> Stat(const std::string& uri) = 0;
  // One page of every key under `uri` (no delimiter).
  virtual Result<ListPage> List(const std::string& uri, const std::string& page_token) = 0;
  // With `info` (a Stat result), opens without a request.
  virtual Result<std::shared_ptr<File>> Open(const std::string& uri,
                                             const std::optional<ObjectInfo>& info) = 0;
  virtual uint64_t BlockSize() const = 0;  // 0: no disk cache
  virtual int DefaultThreads() const = 0;
};

// Warm over `source` (see objectfs::Warm).
Result<WarmSummary> RunWarm(WarmSource& source, std::span<const std::string> uris,
                            const WarmOptions& options);

}  // namespace objectfs::internal
