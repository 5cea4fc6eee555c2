#include "core/object_writer.hpp"

#include <algorithm>
#include <cstring>
#include <new>
#include <utility>

#include "core/client_core.hpp"

namespace objectfs::internal {
namespace {

constexpr uint64_t kChunkAlignment = 256 << 10;

}  // namespace

uint64_t PartSizeFor(int number, uint64_t base_part_size, int max_parts) {
  if (max_parts <= 0) return base_part_size;
  const int interval = std::max(1, max_parts / 10);
  const int doublings = std::min(10, (number - 1) / interval);
  return base_part_size << doublings;
}

uint64_t BasePartSize(uint64_t requested, uint64_t read_part_size, uint64_t store_minimum) {
  uint64_t size = requested != 0 ? requested : read_part_size;
  size = std::max({size, store_minimum, kChunkAlignment});
  return (size + kChunkAlignment - 1) / kChunkAlignment * kChunkAlignment;
}

ObjectWriter::ObjectWriter(std::shared_ptr<ClientCore> core, std::shared_ptr<ObjectStore> store,
                           Uri uri, WriteOptions options)
    : core_(std::move(core)),
      store_(std::move(store)),
      uri_(std::move(uri)),
      caps_(store_->Capabilities()),
      base_part_size_(
          BasePartSize(options.part_size, core_->options().read.part_size, caps_.min_part_size)),
      max_in_flight_(caps_.parallel_parts ? std::max(1, core_->options().read.max_parallel_requests)
                                          : 1) {
  conditions_.if_none_match = options.no_overwrite;
  conditions_.content_type = std::move(options.content_type);
}

ObjectWriter::~ObjectWriter() {
  if (state_ == State::kOpen) (void)Abort();
  // Parts still running reference this object.
  std::unique_lock lock(mu_);
  part_done_.wait(lock, [&] { return in_flight_ == 0; });
}

Status ObjectWriter::FirstError() {
  std::lock_guard lock(mu_);
  return part_error_;
}

Status ObjectWriter::Fail(Status status) {
  (void)Abort();
  return status;
}

Status ObjectWriter::StartPart() {
  const uint64_t size = PartSizeFor(next_part_, base_part_size_, caps_.max_parts);
  std::unique_lock lock(mu_);
  for (;;) {
    part_done_.wait(lock, [&] { return in_flight_ < max_in_flight_ || !part_error_.ok(); });
    if (!part_error_.ok()) return part_error_;
    // One part in flight may always proceed, or a budget smaller than two
    // parts would never finish.
    try {
      part_ = core_->cache().AcquireBuffer(size, /*force=*/in_flight_ == 0);
    } catch (const std::bad_alloc&) {
      return Internal(What() + ": cannot allocate a part buffer of " + std::to_string(size) +
                      " bytes (lower --part-size)");
    }
    if (part_ != nullptr) break;
    const int seen = in_flight_;
    part_done_.wait(lock, [&] { return in_flight_ < seen || !part_error_.ok(); });
  }
  part_capacity_ = size;
  part_filled_ = 0;
  return Status::Ok();
}

Status ObjectWriter::StartUploadIfNeeded() {
  if (upload_ != nullptr) return Status::Ok();
  auto upload = store_->StartUpload(uri_.key, conditions_);
  if (!upload.ok()) return upload.status().WithContext(What());
  upload_ = std::move(*upload);
  return Status::Ok();
}

Status ObjectWriter::SubmitPart() {
  OBJECTFS_RETURN_IF_ERROR(StartUploadIfNeeded());
  const int number = next_part_++;
  const uint64_t offset = part_offset_;
  const uint64_t length = part_filled_;
  part_offset_ += length;
  part_filled_ = 0;
  std::shared_ptr<Fetch> buffer = std::move(part_);
  {
    std::lock_guard lock(mu_);
    ++in_flight_;
  }
  core_->io_pool().Submit([this, buffer, number, offset, length]() mutable {
    Status status =
        upload_->UploadPart(number, offset, std::span<const std::byte>(buffer->data(), length));
    if (status.ok()) Add(core_->stats().bytes_uploaded, length);
    // Back to the budget before the part counts as done: a writer waiting
    // for room, and Close, see the memory free.
    buffer.reset();
    std::lock_guard lock(mu_);
    if (!status.ok() && part_error_.ok()) {
      part_error_ = status.WithContext(What() + ": part " + std::to_string(number));
    }
    --in_flight_;
    part_done_.notify_all();
  });
  return Status::Ok();
}

Status ObjectWriter::Write(std::span<const std::byte> bytes) {
  if (state_ != State::kOpen) {
    return InvalidArgument(What() + ": write after the upload was closed or aborted");
  }
  while (!bytes.empty()) {
    Status room = MakeRoom();
    if (!room.ok()) return Fail(room);
    const size_t n = std::min<uint64_t>(bytes.size(), part_capacity_ - part_filled_);
    std::memcpy(part_->data() + part_filled_, bytes.data(), n);
    part_filled_ += n;
    written_ += n;
    bytes = bytes.subspan(n);
  }
  return Status::Ok();
}

Status ObjectWriter::MakeRoom() {
  // A full part is sent once more bytes follow it: an object of exactly one
  // part stays a single Put.
  if (part_ != nullptr && part_filled_ == part_capacity_) OBJECTFS_RETURN_IF_ERROR(SubmitPart());
  if (part_ == nullptr) OBJECTFS_RETURN_IF_ERROR(StartPart());
  return Status::Ok();
}

Status ObjectWriter::WriteFrom(const Writer::Filler& fill) {
  if (state_ != State::kOpen) {
    return InvalidArgument(What() + ": write after the upload was closed or aborted");
  }
  for (;;) {
    if (upload_ == nullptr && part_ != nullptr && part_filled_ == part_capacity_) {
      // Whether the object is one Put or a multipart upload depends on whether
      // bytes follow the first part: read on into a second buffer to know.
      std::shared_ptr<Fetch> first = std::move(part_);
      const uint64_t first_filled = part_filled_;
      Status started = StartPart();
      if (!started.ok()) return Fail(started);
      auto n = fill(std::span<std::byte>(part_->data(), part_capacity_));
      if (!n.ok()) return Fail(n.status());
      std::shared_ptr<Fetch> second = std::exchange(part_, std::move(first));
      part_filled_ = first_filled;
      if (*n == 0) return Status::Ok();
      Status submitted = SubmitPart();
      if (!submitted.ok()) return Fail(submitted);
      part_ = std::move(second);
      part_filled_ = *n;
      written_ += *n;
      continue;
    }
    Status room = MakeRoom();
    if (!room.ok()) return Fail(room);
    auto n =
        fill(std::span<std::byte>(part_->data() + part_filled_, part_capacity_ - part_filled_));
    if (!n.ok()) return Fail(n.status());
    if (*n == 0) return Status::Ok();
    part_filled_ += *n;
    written_ += *n;
  }
}

Status ObjectWriter::WaitForAllParts() {
  std::unique_lock lock(mu_);
  part_done_.wait(lock, [&] { return in_flight_ == 0; });
  return part_error_;
}

Result<ObjectInfo> ObjectWriter::OursAfterRetry(std::span<const std::byte> bytes, Status exists) {
  // A retried conditional Put whose first try landed (its answer was lost)
  // meets its own object: the key holds exactly these bytes. Anything else
  // is another writer's object, and the refusal stands.
  auto info = store_->Stat(uri_.key);
  if (!info.ok() || info->size != bytes.size()) return exists;
  std::vector<std::byte> stored(bytes.size());
  if (!stored.empty()) {
    auto n = store_->Read(uri_.key, {0, stored.size()}, stored, ReadConditions::PinnedTo(*info));
    if (!n.ok() || *n != stored.size() ||
        !std::equal(stored.begin(), stored.end(), bytes.begin())) {
      return exists;
    }
  }
  return info;
}

Result<ObjectInfo> ObjectWriter::Close() {
  if (state_ != State::kOpen) {
    return InvalidArgument(What() + ": the upload was already closed or aborted");
  }
  Result<ObjectInfo> committed = Internal("unset");
  if (upload_ == nullptr) {
    // Smaller than one part: a single request, all or nothing.
    const std::span<const std::byte> bytes =
        part_ != nullptr ? std::span<const std::byte>(part_->data(), part_filled_)
                         : std::span<const std::byte>();
    committed = store_->Put(uri_.key, bytes, conditions_);
    if (!committed.ok() && committed.status().code() == StatusCode::kAlreadyExists &&
        conditions_.if_none_match) {
      committed = OursAfterRetry(bytes, committed.status());
    }
    if (committed.ok()) Add(core_->stats().bytes_uploaded, bytes.size());
    part_.reset();
  } else {
    // After a full part was submitted part_ is null but part_filled_ is not 0.
    Status status = part_ != nullptr && part_filled_ > 0 ? SubmitPart() : Status::Ok();
    part_.reset();
    if (status.ok()) status = WaitForAllParts();
    if (!status.ok()) return Fail(status);
    committed = upload_->Commit(next_part_ - 1, written_);
  }
  if (!committed.ok()) return Fail(committed.status().WithContext(What()));
  state_ = State::kCommitted;
  ObjectInfo info = std::move(*committed);
  if (info.key.empty()) info.key = uri_.key;
  info.size = written_;
  return info;
}

Status ObjectWriter::Abort() {
  if (state_ == State::kCommitted) {
    return InvalidArgument(What() + ": the upload was already committed");
  }
  if (state_ == State::kFailed) return Status::Ok();
  state_ = State::kFailed;
  part_.reset();
  (void)WaitForAllParts();
  if (upload_ == nullptr) return Status::Ok();
  Status aborted = upload_->Abort();
  if (!aborted.ok()) return aborted.WithContext(What());
  return Status::Ok();
}

}  // namespace objectfs::internal
