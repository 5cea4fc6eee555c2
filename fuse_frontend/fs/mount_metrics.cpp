#include "fs/mount_metrics.hpp"

#include <algorithm>
#include <string>

namespace objectfs::mount {
namespace {

constexpr std::array<std::string_view, static_cast<size_t>(FuseOp::kCount)> kOpNames = {
    "lookup",     "forget", "getattr", "setattr", "opendir", "readdir",
    "releasedir", "open",   "read",    "release", "statfs",  "create",
    "write",      "flush",  "fsync",   "mkdir",   "unlink",  "rmdir"};

}  // namespace

void MountMetrics::Record(FuseOp op, std::chrono::nanoseconds elapsed, bool failed) {
  constexpr auto relaxed = std::memory_order_relaxed;
  PerOp& o = ops_[static_cast<size_t>(op)];
  (failed ? o.failed : o.ok).fetch_add(1, relaxed);
  const double seconds = std::chrono::duration<double>(elapsed).count();
  const auto bucket = static_cast<size_t>(
      std::lower_bound(kBounds.begin(), kBounds.end(), seconds) - kBounds.begin());
  o.buckets[bucket].fetch_add(1, relaxed);
  o.sum_ns.fetch_add(static_cast<uint64_t>(std::max<int64_t>(0, elapsed.count())), relaxed);
}

void MountMetrics::AppendFamilies(std::vector<MetricFamily>& out) const {
  constexpr auto relaxed = std::memory_order_relaxed;
  MetricFamily count{"objectfs_fuse_operations_total",
                     "FUSE operations answered, by operation and result (ok or error)",
                     MetricType::kCounter,
                     {},
                     {}};
  MetricFamily latency{"objectfs_fuse_operation_duration_seconds",
                       "time from a FUSE request to its reply, by operation",
                       MetricType::kHistogram,
                       {},
                       {}};
  for (size_t i = 0; i < ops_.size(); ++i) {
    const PerOp& o = ops_[i];
    const std::string op(kOpNames[i]);
    const uint64_t ok = o.ok.load(relaxed), failed = o.failed.load(relaxed);
    count.samples.push_back({{{"op", op}, {"result", "ok"}}, double(ok)});
    count.samples.push_back({{{"op", op}, {"result", "error"}}, double(failed)});
    std::array<uint64_t, kBounds.size() + 1> per_bucket{};
    for (size_t b = 0; b < per_bucket.size(); ++b) per_bucket[b] = o.buckets[b].load(relaxed);
    HistogramSample h = CumulativeHistogram({{"op", op}}, kBounds, per_bucket,
                                            double(o.sum_ns.load(relaxed)) / 1e9);
    latency.histograms.push_back(std::move(h));
  }
  out.push_back(std::move(count));
  out.push_back(std::move(latency));
  out.push_back({"objectfs_open_files",
                 "files open through the mount now",
                 MetricType::kGauge,
                 {{{}, double(std::max<int64_t>(0, open_files_.load(relaxed)))}},
                 {}});
}

}  // namespace objectfs::mount
