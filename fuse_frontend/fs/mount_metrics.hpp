// The mount's own metrics: FUSE operations by type with their latency, and
// open files. The adapter times each operation; the Client exports them
// with its own families (Client::AddMetricsSource).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string_view>
#include <vector>

#include "objectfs/metrics.hpp"

namespace objectfs::mount {

enum class FuseOp {
  kLookup,
  kForget,
  kGetattr,
  kSetattr,
  kOpendir,
  kReaddir,
  kReleasedir,
  kOpen,
  kRead,
  kRelease,
  kStatfs,
  kCreate,
  kWrite,
  kFlush,
  kFsync,
  kMkdir,
  kUnlink,
  kRmdir,
  kCount
};

class MountMetrics {
 public:
  // Thread-safe.
  void Record(FuseOp op, std::chrono::nanoseconds elapsed, bool failed);
  void FileOpened() { open_files_.fetch_add(1, std::memory_order_relaxed); }
  void FileReleased() { open_files_.fetch_sub(1, std::memory_order_relaxed); }

  // objectfs_fuse_operations_total{op,result}, objectfs_fuse_operation_duration_seconds{op},
  // objectfs_open_files.
  void AppendFamilies(std::vector<MetricFamily>& out) const;

 private:
  static constexpr std::array<double, 12> kBounds = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                     0.01,   0.025,   0.1,    0.5,   2.5,    10};
  using Counter = std::atomic<uint64_t>;
  struct PerOp {
    Counter ok{0};
    Counter failed{0};
    std::array<Counter, kBounds.size() + 1> buckets{};
    Counter sum_ns{0};
  };
  std::array<PerOp, static_cast<size_t>(FuseOp::kCount)> ops_{};
  std::atomic<int64_t> open_files_{0};
};

// Times one operation from construction to destruction.
class FuseOpTimer {
 public:
  FuseOpTimer(MountMetrics& metrics, FuseOp op)
      : metrics_(metrics), op_(op), start_(std::chrono::steady_clock::now()) {}
  ~FuseOpTimer() { metrics_.Record(op_, std::chrono::steady_clock::now() - start_, failed_); }
  FuseOpTimer(const FuseOpTimer&) = delete;
  FuseOpTimer& operator=(const FuseOpTimer&) = delete;
  void Failed() { failed_ = true; }

 private:
  MountMetrics& metrics_;
  FuseOp op_;
  std::chrono::steady_clock::time_point start_;
  bool failed_ = false;
};

}  // namespace objectfs::mount
