// ObjectWriter: the engine behind objectfs::Writer. Bytes fill one part
// buffer at a time (from the Client's memory budget); a full part uploads on
// the io pool while the caller fills the next. Parts in flight are bounded by
// the budget and max_parallel_requests (one at a time for stores that take
// parts in order). The first part decides the shape: an object smaller than a
// part is one Put at Close, anything larger a multipart upload.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>

#include "cache/block_cache.hpp"
#include "objectfs/store.hpp"
#include "objectfs/uri.hpp"
#include "objectfs/writer.hpp"

namespace objectfs::internal {

class ClientCore;

// Bytes of part `number` (1-based) of an upload whose parts start at
// `base_part_size`: doubled every max_parts/10 parts so that an upload of
// unknown length still fits the store's part limit.
uint64_t PartSizeFor(int number, uint64_t base_part_size, int max_parts);

// The part size an upload starts with: `requested` (0: the read part size),
// at least the store's minimum, in whole 256 KiB (what GCS chunks need).
uint64_t BasePartSize(uint64_t requested, uint64_t read_part_size, uint64_t store_minimum);

class ObjectWriter {
 public:
  ObjectWriter(std::shared_ptr<ClientCore> core, std::shared_ptr<ObjectStore> store, Uri uri,
               WriteOptions options);
  ~ObjectWriter();  // aborts unless closed

  const Uri& uri() const { return uri_; }
  uint64_t bytes_written() const { return written_; }

  Status Write(std::span<const std::byte> bytes);
  Status WriteFrom(const Writer::Filler& fill);
  Result<ObjectInfo> Close();
  Status Abort();

 private:
  enum class State { kOpen, kCommitted, kFailed };

  // A buffer for the next part, waiting while the parts in flight hold the
  // budget (one part may always be in flight).
  Status StartPart();
  // Sends a full part and starts the next buffer, as needed before more bytes.
  Status MakeRoom();
  // Uploads the filled buffer as the next part (in the background).
  Status SubmitPart();
  Status StartUploadIfNeeded();
  Status WaitForAllParts();
  // A single Put refused with kAlreadyExists (`exists`): the object, when the
  // key holds exactly `bytes` (a retry met the try whose answer was lost).
  Result<ObjectInfo> OursAfterRetry(std::span<const std::byte> bytes, Status exists);
  Status FirstError();
  Status Fail(Status status);  // aborts and remembers why
  std::string What() const { return uri_.ForMessages(); }

  const std::shared_ptr<ClientCore> core_;
  const std::shared_ptr<ObjectStore> store_;
  const Uri uri_;
  const StoreCapabilities caps_;
  const uint64_t base_part_size_;
  const int max_in_flight_;
  WriteConditions conditions_;

  State state_ = State::kOpen;
  std::unique_ptr<StoreUpload> upload_;
  std::shared_ptr<Fetch> part_;  // the buffer being filled
  uint64_t part_capacity_ = 0;
  uint64_t part_filled_ = 0;
  int next_part_ = 1;
  uint64_t part_offset_ = 0;  // object offset of the part being filled
  uint64_t written_ = 0;

  std::mutex mu_;
  std::condition_variable part_done_;
  int in_flight_ = 0;
  Status part_error_;  // the first failed part
};

struct WriterFactory {
  static std::unique_ptr<Writer> Make(std::unique_ptr<ObjectWriter> impl) {
    return std::unique_ptr<Writer>(new Writer(std::move(impl)));
  }
};

}  // namespace objectfs::internal
