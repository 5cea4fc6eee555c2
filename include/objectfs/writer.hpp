// Writer: one object being uploaded. Bytes written are cut into parts that
// upload on the Client's threads while the caller keeps writing; nothing is
// visible under the key until Close succeeds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "objectfs/status.hpp"
#include "objectfs/store.hpp"
#include "objectfs/uri.hpp"

namespace objectfs {

namespace internal {
class ObjectWriter;
struct WriterFactory;
}  // namespace internal

struct WriteOptions {
  // Fail with kAlreadyExists instead of replacing an object under the key:
  // checked when the writer is created and again, atomically where the store
  // can, at Close.
  bool no_overwrite = false;
  // Bytes per part; 0 = ReadOptions::part_size. Rounded up to the store's
  // minimum part size, and grown along the upload so it fits the store's
  // part limit.
  uint64_t part_size = 0;
  std::string content_type;  // empty: application/octet-stream
  // Create asks the store about the key first (a HEAD, and a one-key listing
  // when it is new), so a missing bucket or rejected credentials fail at
  // Create, not at the first part. Many small writes to one known-good bucket
  // may skip it.
  bool check_destination = true;
};

// Client::Create makes Writers. Not thread-safe: one thread writes at a time.
class Writer {
 public:
  ~Writer();  // aborts the upload unless Close succeeded
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  const Uri& uri() const;
  uint64_t bytes_written() const;

  // Appends bytes. Blocks while the parts in flight fill the Client's memory
  // budget. After a failed part, returns its error (the upload is then lost).
  Status Write(std::span<const std::byte> bytes);

  // Like Write, with the bytes produced straight into the part buffers (no
  // copy): `fill` is called with free space and returns how many bytes it
  // put there, 0 at the end of its input. Its error ends the upload.
  using Filler = std::function<Result<size_t>(std::span<std::byte> space)>;
  Status WriteFrom(const Filler& fill);

  // Uploads what is left, waits for every part and commits: the object then
  // exists, with exactly the bytes written. On failure the upload is aborted
  // and nothing is visible. Call once.
  Result<ObjectInfo> Close();

  // Discards the upload; nothing becomes visible. Safe to call more than once.
  Status Abort();

 private:
  friend struct internal::WriterFactory;
  explicit Writer(std::unique_ptr<internal::ObjectWriter> impl);
  std::unique_ptr<internal::ObjectWriter> impl_;
};

}  // namespace objectfs
