#include "objectfs/file.hpp"

#include "core/client_core.hpp"
#include "core/file_factory.hpp"
#include "core/object_reader.hpp"

namespace objectfs {
namespace {

Status ShortRead(const Uri& uri, size_t got, size_t want, uint64_t offset) {
  return DataLoss(uri.ForMessages() + ": got " + std::to_string(got) + " of " +
                  std::to_string(want) + " bytes at offset " + std::to_string(offset) +
                  " although the ETag is unchanged");
}

}  // namespace

File::File(std::shared_ptr<internal::ClientCore> core, std::shared_ptr<ObjectStore> store, Uri uri,
           ObjectInfo info)
    : core_(core), uri_(std::move(uri)), info_(std::move(info)) {
  reader_ =
      std::make_unique<internal::ObjectReader>(std::move(core), std::move(store), uri_.key, info_);
}

File::~File() = default;

namespace internal {

std::shared_ptr<File> FileFactory::Make(std::shared_ptr<ClientCore> core,
                                        std::shared_ptr<ObjectStore> store, Uri uri,
                                        ObjectInfo info) {
  return std::shared_ptr<File>(
      new File(std::move(core), std::move(store), std::move(uri), std::move(info)));
}

}  // namespace internal

Result<size_t> File::PRead(uint64_t offset, std::span<std::byte> out) const {
  if (offset >= info_.size || out.empty()) return size_t{0};
  const size_t want = static_cast<size_t>(std::min<uint64_t>(out.size(), info_.size - offset));
  auto n = reader_->Read(offset, out.first(want));
  if (!n.ok()) return n.status().WithContext(uri_.ForMessages());
  if (*n != want) {
    return ShortRead(uri_, *n, want, offset);
  }
  internal::Add(core_->stats().bytes_served, *n);
  return n;
}

Result<PinnedBytes> File::PReadPinned(uint64_t offset, size_t length) const {
  if (offset >= info_.size || length == 0) return PinnedBytes{};
  const size_t want = static_cast<size_t>(std::min<uint64_t>(length, info_.size - offset));
  auto pinned = reader_->ReadPinned(offset, want);
  if (!pinned.ok()) return pinned.status().WithContext(uri_.ForMessages());
  if (const size_t n = pinned->size(); n != want) {
    return ShortRead(uri_, n, want, offset);
  }
  internal::Add(core_->stats().bytes_served, want);
  return pinned;
}

Status File::ReadInto(std::span<std::byte> out) const {
  if (out.size() < info_.size) {
    return InvalidArgument(uri_.ForMessages() + ": buffer of " + std::to_string(out.size()) +
                           " bytes is smaller than the object (" + std::to_string(info_.size) +
                           ")");
  }
  auto n = PRead(0, out.first(static_cast<size_t>(info_.size)));
  return n.ok() ? Status::Ok() : n.status();
}

Result<File::WarmResult> File::WarmDiskCache(ByteRange range) const {
  auto counts = reader_->WarmDisk(range);
  if (!counts.ok()) return counts.status().WithContext(uri_.ForMessages());
  return WarmResult{counts->bytes_fetched, counts->bytes_cached};
}

Status File::ReadRanges(std::span<const ByteRange> ranges,
                        std::span<const std::span<std::byte>> outs) const {
  if (outs.size() != ranges.size()) {
    return InvalidArgument(uri_.ToString() + ": " + std::to_string(ranges.size()) + " ranges but " +
                           std::to_string(outs.size()) + " buffers");
  }
  uint64_t total = 0;
  for (size_t i = 0; i < ranges.size(); ++i) {
    const ByteRange& range = ranges[i];
    if (range.offset > info_.size || range.length > info_.size - range.offset) {
      return OutOfRange(uri_.ToString() + ": range [" + std::to_string(range.offset) + ", " +
                        std::to_string(range.end()) + ") is not inside the object (" +
                        std::to_string(info_.size) + " bytes)");
    }
    if (outs[i].size() != range.length) {
      return InvalidArgument(uri_.ToString() + ": a buffer of " + std::to_string(outs[i].size()) +
                             " bytes for a range of " + std::to_string(range.length));
    }
    total += range.length;
  }
  Status status = reader_->ReadRanges(ranges, outs);
  if (!status.ok()) return status.WithContext(uri_.ToString());
  internal::Add(core_->stats().bytes_served, total);
  return Status::Ok();
}

void File::DisableFormatPrefetch() const { reader_->DisablePlan(); }

void File::Prefetch(std::span<const ByteRange> ranges) const {
  for (const ByteRange& range : ranges) reader_->Prefetch(range);
}

}  // namespace objectfs
