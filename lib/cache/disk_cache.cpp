#include "cache/disk_cache.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <xxhash.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

#include "cache/block_file.hpp"
#include "cache/verified_blocks.hpp"
#include "core/stats.hpp"

namespace objectfs::internal {
namespace {

// A hit refreshes the block's mtime (its LRU age) at most this often.
constexpr int64_t kTouchIntervalS = 10;

void Count(StatsCounters* stats, std::atomic<uint64_t> StatsCounters::*counter, uint64_t n = 1) {
  if (stats != nullptr) Add(stats->*counter, n);
}

// Reads exactly out.size() bytes at `offset`; false on error or end of file.
bool PReadFully(int fd, std::span<std::byte> out, uint64_t offset) {
  size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::pread(fd, out.data() + done, out.size() - done, off_t(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += size_t(n);
  }
  return true;
}

constexpr size_t kPage = 4096;

bool PageAligned(std::span<const std::byte> buffer, uint64_t file_offset) {
  return reinterpret_cast<uintptr_t>(buffer.data()) % kPage == 0 && buffer.size() % kPage == 0 &&
         file_offset % kPage == 0;
}

// Reads exactly out.size() bytes at `offset` only if all of them are in the
// page cache (RWF_NOWAIT: no disk I/O); false otherwise, including on kernels
// without buffered RWF_NOWAIT.
bool PReadCached(int fd, std::span<std::byte> out, uint64_t offset) {
  iovec iov{out.data(), out.size()};
  ssize_t n;
  do {
    n = ::preadv2(fd, &iov, 1, off_t(offset), RWF_NOWAIT);
  } while (n < 0 && errno == EINTR);
  return n == ssize_t(out.size());
}

enum class DirectRead { kDone, kUnsupported, kFailed };

// Reads whole pages into a page-aligned buffer around the page cache
// (O_DIRECT). kUnsupported: not aligned, or the file system refuses; read
// through the page cache instead.
DirectRead PReadDirect(int fd, std::span<std::byte> out, uint64_t offset) {
  if (!PageAligned(out, offset)) return DirectRead::kUnsupported;
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_DIRECT) != 0) return DirectRead::kUnsupported;
  const bool ok = PReadFully(fd, out, offset);
  const int error = errno;
  (void)::fcntl(fd, F_SETFL, flags);
  if (ok) return DirectRead::kDone;
  return error == EINVAL ? DirectRead::kUnsupported : DirectRead::kFailed;
}

// Writes header then payload at the start of `fd`.
bool WriteFully(int fd, std::span<const std::byte> header, std::span<const std::byte> payload) {
  iovec parts[2] = {{const_cast<std::byte*>(header.data()), header.size()},
                    {const_cast<std::byte*>(payload.data()), payload.size()}};
  iovec* next = parts;
  int count = 2;
  off_t offset = 0;
  while (count > 0) {
    const ssize_t n = ::pwritev(fd, next, count, offset);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) errno = EIO;
    if (n <= 0) return false;
    offset += n;
    size_t left = size_t(n);
    while (count > 0 && left >= next->iov_len) {
      left -= next->iov_len;
      ++next;
      --count;
    }
    if (count > 0) {
      next->iov_base = static_cast<char*>(next->iov_base) + left;
      next->iov_len -= left;
    }
  }
  return true;
}

// Writes a block file. Whole pages from a page-aligned buffer go around the
// page cache (O_DIRECT): copying 8 MiB blocks into fresh page-cache memory
// cost more than their GETs (see docs/benchmarks.md, "Measurements behind code
// choices", and the warm row), and a warmed block is usually read later, by
// another process. Falls back to a buffered write where the file system
// refuses O_DIRECT.
Status WriteBlockFile(int fd, std::span<const std::byte> header,
                      std::span<const std::byte> payload) {
  static_assert(kBlockHeaderSize % kPage == 0);
  const int flags = ::fcntl(fd, F_GETFL);
  if (PageAligned(payload, kBlockHeaderSize) && flags >= 0 &&
      ::fcntl(fd, F_SETFL, flags | O_DIRECT) == 0) {
    alignas(kPage) std::array<std::byte, kBlockHeaderSize> aligned_header;
    std::memcpy(aligned_header.data(), header.data(), kBlockHeaderSize);
    if (WriteFully(fd, aligned_header, payload)) return Status::Ok();
    if (errno != EINVAL) return Internal(std::string("write failed: ") + std::strerror(errno));
    (void)::fcntl(fd, F_SETFL, flags);
  }
  if (!WriteFully(fd, header, payload)) {
    return Internal(std::string("write failed: ") + std::strerror(errno));
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<DiskCache>> DiskCache::Open(DiskCacheConfig config, StatsCounters* stats) {
  if (config.block_size == 0 || config.block_size > kMaxBlockChunks * kBlockChunkSize) {
    return InvalidArgument("disk cache block size must be between 1 byte and 16 MiB");
  }
  OBJECTFS_ASSIGN_OR_RETURN(DiskCacheDir dir, DiskCacheDir::Open(config.dir));
  auto cache = std::unique_ptr<DiskCache>(new DiskCache(std::move(config), std::move(dir), stats));
  uint64_t free_bytes = 0, total_bytes = 0;
  OBJECTFS_RETURN_IF_ERROR(cache->dir_.DiskSpace(&free_bytes, &total_bytes));
  cache->min_free_bytes_ = cache->config_.min_free_bytes != UINT64_MAX
                               ? cache->config_.min_free_bytes
                               : std::min<uint64_t>(5ull << 30, total_bytes / 10);
  return cache;
}

DiskCache::DiskCache(DiskCacheConfig config, DiskCacheDir dir, StatsCounters* stats)
    : config_(std::move(config)), dir_(std::move(dir)), stats_(stats) {}

std::string DiskCache::Identity(std::string_view store, std::string_view key, std::string_view etag,
                                uint64_t size) {
  std::string identity;
  identity.reserve(store.size() + key.size() + etag.size() + 24);
  identity.append(store).append("\n").append(key).append("\n").append(etag);
  identity.append("\n").append(std::to_string(size));
  return identity;
}

std::string DiskCache::BlockName(const std::string& identity, uint64_t block) const {
  std::string input = identity;
  input.append("\n").append(std::to_string(block)).append("\n");
  input.append(std::to_string(config_.block_size));
  const XXH128_hash_t hash = XXH3_128bits(input.data(), input.size());
  char name[40];
  std::snprintf(name, sizeof(name), "%016llx%016llx", static_cast<unsigned long long>(hash.high64),
                static_cast<unsigned long long>(hash.low64));
  return name;
}

std::string DiskCache::SubdirFor(const std::string& name) const {
  return dir_.blocks_dir() + "/" + name.substr(0, 2);
}

DiskCache::ReadResult DiskCache::Read(const std::string& identity, uint64_t block,
                                      uint64_t block_length, uint64_t offset,
                                      std::span<std::byte> out) {
  const std::string name = BlockName(identity, block);
  const std::string path = SubdirFor(name) + "/" + name + ".blk";
  UniqueFd fd(offset + out.size() <= block_length ? ::open(path.c_str(), O_RDONLY | O_CLOEXEC)
                                                  : -1);
  if (!fd.valid()) {
    Count(stats_, &StatsCounters::disk_misses);
    return ReadResult::kMiss;
  }
  auto corrupt = [&] {
    // Remove it unless another process has already replaced it.
    struct stat open_st, path_st;
    if (::fstat(fd.get(), &open_st) == 0) {
      verified_.Erase(open_st);
      if (::stat(path.c_str(), &path_st) == 0 && open_st.st_ino == path_st.st_ino &&
          open_st.st_dev == path_st.st_dev) {
        ::unlink(path.c_str());
      }
    }
    Count(stats_, &StatsCounters::disk_corrupt_blocks);
    return ReadResult::kCorrupt;
  };
  auto hit = [&] {
    Count(stats_, &StatsCounters::disk_hits);
    Count(stats_, &StatsCounters::disk_bytes_read, out.size());
    return ReadResult::kHit;
  };
  std::array<std::byte, kBlockHeaderSize> raw;
  if (!PReadFully(fd.get(), raw, 0)) return corrupt();
  const std::optional<BlockHeader> header = DecodeBlockHeader(raw);
  if (!header || header->identity != identity || header->block_index != block ||
      header->block_size != config_.block_size || header->payload_length != block_length) {
    return corrupt();
  }
  const time_t now = ::time(nullptr);
  struct stat st;
  const bool have_stat = ::fstat(fd.get(), &st) == 0;
  if (have_stat && now - st.st_mtim.tv_sec > kTouchIntervalS) {
    // Best effort (needs ownership). The new mtime is already settled for
    // VerifiedBlocks, so a touched block can skip its hash on the next read.
    const timespec times[2] = {{0, UTIME_OMIT}, {now - 2 * VerifiedBlocks::kSettledS, 0}};
    if (::futimens(fd.get(), times) == 0) (void)::fstat(fd.get(), &st);
  }
  // Page-aligned reads go around the page cache (below), where a cached-only
  // read would only start a readahead of pages nobody wants.
  const bool whole_block = offset == 0 && out.size() == block_length;
  if (whole_block && have_stat && !PageAligned(out, kBlockHeaderSize) && verified_.Contains(st) &&
      PReadCached(fd.get(), out, kBlockHeaderSize)) {
    return hit();
  }
  auto verify = [&](uint64_t first_chunk, std::span<const std::byte> data) {
    Count(stats_, &StatsCounters::disk_bytes_verified, data.size());
    return VerifyChunks(*header, first_chunk, data);
  };
  // Verification works on whole chunks: read straight into `out` when the
  // range is chunk-aligned, else through a scratch buffer.
  const uint64_t chunk_from = offset / kBlockChunkSize * kBlockChunkSize;
  const uint64_t chunk_to = std::min(block_length, (offset + out.size() + kBlockChunkSize - 1) /
                                                       kBlockChunkSize * kBlockChunkSize);
  const bool chunk_aligned = chunk_from == offset && chunk_to == offset + out.size();
  const DirectRead direct = chunk_aligned ? PReadDirect(fd.get(), out, kBlockHeaderSize + offset)
                                          : DirectRead::kUnsupported;
  if (direct == DirectRead::kDone) {
    // Page-aligned whole pages are the memory cache's fetches: their bytes are
    // cached above us (and in the page cache above a mount), so a second copy
    // of the block file in the page cache would be double caching, and
    // filling it cost more than the read (see docs/benchmarks.md, "Measurements
    // behind code choices", and the fresh mount over the warmed disk cache row).
    if (!verify(offset / kBlockChunkSize, out)) return corrupt();
  } else if (direct == DirectRead::kFailed) {
    return corrupt();
  } else if (chunk_aligned) {
    // A few chunks per pread, each verified soon after it is read.
    constexpr uint64_t kStep = 4 * kBlockChunkSize;
    for (uint64_t done = 0; done < out.size(); done += kStep) {
      const std::span<std::byte> step = out.subspan(done, std::min(kStep, out.size() - done));
      if (!PReadFully(fd.get(), step, kBlockHeaderSize + offset + done) ||
          !verify((offset + done) / kBlockChunkSize, step)) {
        return corrupt();
      }
    }
  } else {
    std::vector<std::byte> scratch(chunk_to - chunk_from);
    if (!PReadFully(fd.get(), scratch, kBlockHeaderSize + chunk_from) ||
        !verify(chunk_from / kBlockChunkSize, scratch)) {
      return corrupt();
    }
    std::memcpy(out.data(), scratch.data() + (offset - chunk_from), out.size());
  }
  if (whole_block && have_stat) verified_.Insert(st, now);
  return hit();
}

bool DiskCache::Contains(const std::string& identity, uint64_t block, uint64_t block_length) {
  const std::string name = BlockName(identity, block);
  UniqueFd fd(::open((SubdirFor(name) + "/" + name + ".blk").c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return false;
  std::array<std::byte, kBlockHeaderSize> raw;
  struct stat st;
  if (!PReadFully(fd.get(), raw, 0) || ::fstat(fd.get(), &st) != 0) return false;
  const std::optional<BlockHeader> header = DecodeBlockHeader(raw);
  return header && header->identity == identity && header->block_index == block &&
         header->block_size == config_.block_size && header->payload_length == block_length &&
         uint64_t(st.st_size) == kBlockHeaderSize + block_length;
}

bool DiskCache::Reserve(uint64_t bytes) {
  if (bytes > config_.capacity) return false;
  std::unique_lock lock(space_mu_);
  // Scans see finished blocks only; blocks this process is still writing
  // (pending) count on top of them.
  if (!usage_known_ || written_since_scan_ >= config_.capacity / 8) {
    auto usage = dir_.Scan(/*remove_stale_temps=*/!usage_known_);
    if (!usage.ok()) return false;
    usage_estimate_ = usage->block_bytes + pending_bytes_;
    usage_known_ = true;
    written_since_scan_ = 0;
  }
  for (;;) {
    uint64_t free_bytes = 0, total_bytes = 0;
    if (!dir_.DiskSpace(&free_bytes, &total_bytes).ok()) return false;
    if (usage_estimate_ + bytes <= config_.capacity && free_bytes >= min_free_bytes_ + bytes) break;
    // Evict a tenth at once, so that a full cache does not scan on every write.
    const uint64_t target = config_.capacity - std::max(config_.capacity / 10, bytes);
    auto usage =
        dir_.Evict(target > pending_bytes_ ? target - pending_bytes_ : 0, min_free_bytes_ + bytes);
    if (!usage.ok()) return false;
    usage_estimate_ = usage->block_bytes + pending_bytes_;
    written_since_scan_ = 0;
    if (usage_estimate_ + bytes <= config_.capacity &&
        usage->free_disk_bytes >= min_free_bytes_ + bytes) {
      break;
    }
    // Our own writes in progress hold the room: once they land, they can be
    // evicted like any block. Without any, the block cannot fit.
    if (pending_bytes_ == 0) return false;
    space_cv_.wait(lock);
  }
  usage_estimate_ += bytes;
  pending_bytes_ += bytes;
  written_since_scan_ += bytes;
  return true;
}

void DiskCache::Settle(uint64_t bytes, bool stored) {
  {
    std::lock_guard lock(space_mu_);
    pending_bytes_ -= bytes;
    if (!stored) usage_estimate_ -= std::min(usage_estimate_, bytes);
  }
  space_cv_.notify_all();
}

Status DiskCache::Write(const std::string& identity, uint64_t block,
                        std::span<const std::byte> payload) {
  auto fail = [&](Status status) {
    Count(stats_, &StatsCounters::disk_write_failures);
    if (config_.log) {
      const std::string message = "disk cache " + config_.dir + ": block " + std::to_string(block) +
                                  " not stored: " + status.ToString();
      config_.log({LogLevel::kWarning, message});
    }
    return status;
  };
  const std::vector<std::byte> header =
      EncodeBlockHeader(identity, block, config_.block_size, payload);
  if (header.empty()) return fail(InvalidArgument("object identity too long for the disk cache"));
  const uint64_t file_bytes = kBlockHeaderSize + payload.size();
  if (!Reserve(file_bytes)) {
    return fail(Unavailable("no room in the disk cache at " + dir_.root()));
  }
  bool stored = false;
  struct SettleOnExit {
    DiskCache* cache;
    uint64_t bytes;
    const bool* stored;
    ~SettleOnExit() { cache->Settle(bytes, *stored); }
  } settle{this, file_bytes, &stored};
  const std::string name = BlockName(identity, block);
  const std::string subdir = SubdirFor(name);
  const size_t sub_index = std::strtoul(name.substr(0, 2).c_str(), nullptr, 16);
  if (!subdir_ready_[sub_index].load(std::memory_order_relaxed)) {
    if (::mkdir(subdir.c_str(), 0700) != 0 && errno != EEXIST) {
      return fail(Internal("cannot create " + subdir + ": " + std::strerror(errno)));
    }
    subdir_ready_[sub_index].store(true, std::memory_order_relaxed);
  }
  std::string temp = subdir + "/.tmp-" + std::to_string(::getpid()) + "-XXXXXX";
  UniqueFd fd(::mkostemp(temp.data(), O_CLOEXEC));  // mode 0600
  if (!fd.valid()) {
    // The subdirectory may have been removed by hand: recreate it next time.
    subdir_ready_[sub_index].store(false, std::memory_order_relaxed);
    return fail(Internal("cannot create a file in " + subdir + ": " + std::strerror(errno)));
  }
  Status status = WriteBlockFile(fd.get(), header, payload);
  fd.Reset();
  if (status.ok() && ::rename(temp.c_str(), (subdir + "/" + name + ".blk").c_str()) != 0) {
    status = Internal("cannot rename " + temp + ": " + std::strerror(errno));
  }
  if (!status.ok()) {
    ::unlink(temp.c_str());
    return fail(status);
  }
  stored = true;
  Count(stats_, &StatsCounters::disk_bytes_written, payload.size());
  return Status::Ok();
}

uint64_t DiskCache::UsageEstimate() {
  std::lock_guard lock(space_mu_);
  return usage_estimate_;
}

}  // namespace objectfs::internal
