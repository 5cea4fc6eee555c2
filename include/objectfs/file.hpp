// File: an open object, pinned to the ETag it had at open. Every read sends
// If-Match with that ETag, so a changed object is an error, never mixed bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "objectfs/status.hpp"
#include "objectfs/store.hpp"
#include "objectfs/uri.hpp"

namespace objectfs {

namespace internal {
class ClientCore;
class ObjectReader;
struct FileFactory;
}  // namespace internal

// The bytes of one read, left where the Client's memory cache holds them: a
// few slices in order, each valid (and counted against the memory budget)
// while this object lives. Lets a caller hand cached bytes on, e.g. to the
// kernel, without copying them. Not thread-safe; movable.
class PinnedBytes {
 public:
  std::span<const std::span<const std::byte>> slices() const { return slices_; }
  size_t size() const {
    size_t total = 0;
    for (const auto& slice : slices_) total += slice.size();
    return total;
  }

 private:
  friend class internal::ObjectReader;
  std::vector<std::span<const std::byte>> slices_;
  std::vector<std::shared_ptr<const void>> owners_;  // keep the slices' buffers alive
};

// Files come from Client::Open.
class File {
 public:
  ~File();
  File(const File&) = delete;
  File& operator=(const File&) = delete;

  // Thread-safe; these never change after open.
  const Uri& uri() const { return uri_; }
  uint64_t Size() const { return info_.size; }
  const std::string& ETag() const { return info_.etag; }
  const ObjectInfo& Info() const { return info_; }

  // Reads up to out.size() bytes at offset; returns the count (0 at or past
  // the end). Small reads go through the Client's memory cache (fetching only
  // the blocks they touch) and sequential readers get a growing readahead
  // window; large reads are split into parts fetched in parallel straight into
  // `out`. Thread-safe: any number of threads may read one File at once.
  Result<size_t> PRead(uint64_t offset, std::span<std::byte> out) const;

  // Like PRead, but into buffers the library owns: bytes the memory cache
  // holds are referenced, not copied. Reads up to `length` bytes (an empty
  // result at or past the end). Thread-safe.
  Result<PinnedBytes> PReadPinned(uint64_t offset, size_t length) const;

  // Reads the whole object into out (out.size() >= Size()). Thread-safe.
  Status ReadInto(std::span<std::byte> out) const;

  // A hint that these ranges will be read soon: fetched into the memory cache
  // as far as its budget allows. Never blocks and never fails. Thread-safe.
  void Prefetch(std::span<const ByteRange> ranges) const;

  // Reads exactly these ranges, ranges[i] into outs[i] (outs[i].size() ==
  // ranges[i].length): each straight from the store (or the disk cache), all
  // in parallel on the Client's workers as part-sized pieces; nothing is read
  // ahead or kept in the memory cache. For callers that know what they need
  // (Python's safe_open slices, subset loads). Ranges must lie inside the
  // object. Thread-safe.
  Status ReadRanges(std::span<const ByteRange> ranges,
                    std::span<const std::span<std::byte>> outs) const;

  // Turns off the format-aware prefetch of this file (ReadOptions::
  // prefetch_formats): for a caller that fetches exactly the ranges it wants,
  // such as Python's safe_open. Fetches already started finish. Thread-safe.
  void DisableFormatPrefetch() const;

  // With a disk cache (ClientOptions::cache_dir): stores the disk-cache blocks
  // overlapping `range` that are not there yet, one whole-block GET each, on
  // the calling thread (call from several threads for parallelism). Blocks
  // already cached are skipped, so an interrupted warm resumes where it
  // stopped. InvalidArgument without a disk cache. Thread-safe.
  struct WarmResult {
    uint64_t bytes_fetched = 0;
    uint64_t bytes_already_cached = 0;
  };
  Result<WarmResult> WarmDiskCache(ByteRange range) const;

 private:
  friend struct internal::FileFactory;
  File(std::shared_ptr<internal::ClientCore> core, std::shared_ptr<ObjectStore> store, Uri uri,
       ObjectInfo info);

  std::shared_ptr<internal::ClientCore> core_;
  Uri uri_;
  ObjectInfo info_;
  std::unique_ptr<internal::ObjectReader> reader_;
};

}  // namespace objectfs
