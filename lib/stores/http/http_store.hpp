// Any HTTP(S) server that honours Range (a web server, a CDN, a presigned
// URL): size and ETag from HEAD (or a first ranged GET when HEAD is refused),
// ranged GETs pinned with If-Match. Plain HTTP has no listing.
#pragma once

#include <memory>
#include <string>

#include "http/transport.hpp"
#include "objectfs/store.hpp"

namespace objectfs::internal {

class HttpStore : public ObjectStore {
 public:
  // `origin` is "http://host[:port]" or "https://host[:port]"; keys are the rest
  // of the URL (path and query) without the leading '/'. Thread-safe.
  HttpStore(std::string origin, std::shared_ptr<HttpTransport> transport);

  std::string Describe() const override { return origin_; }
  StoreCapabilities Capabilities() const override { return {.list = false}; }
  Result<ObjectInfo> Stat(std::string_view key) override;
  Result<size_t> Read(std::string_view key, ByteRange range, std::span<std::byte> out,
                      const ReadConditions& conditions) override;
  // Always Unimplemented: HTTP has no standard listing.
  Result<ListPage> List(const ListRequest& request) override;

 private:
  std::string UrlFor(std::string_view key) const;
  // The URL without its query (presigned URLs carry signatures there).
  std::string UrlForMessages(std::string_view key) const;
  Status ErrorStatus(std::string_view key, const HttpResponse& response) const;
  // Size and ETag from a `bytes=0-0` GET, for servers that refuse HEAD.
  Result<ObjectInfo> StatWithGet(std::string_view key);

  const std::string origin_;
  std::shared_ptr<HttpTransport> transport_;
};

// Percent-encodes the bytes that may not appear in a URL (controls, space,
// non-ASCII, "<>\"\\^`{|}") and keeps everything else, existing %XX escapes
// and the query included: a URL copied from a browser or a presigned URL is
// sent exactly as given.
std::string EncodeUrlPathAndQuery(std::string_view path_and_query);

}  // namespace objectfs::internal
