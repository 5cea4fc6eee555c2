// The Client's counters, listed once. ClientStats, the library's atomic
// counters, the CLI's `--stats` line, Python's Client.stats() and metric
// exporters all come from OBJECTFS_CLIENT_STATS, so a counter added here
// reaches every front.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace objectfs {

// X(name, kind, help): kind is Counter (only grows, since the Client was
// created) or Gauge (a level now, or its peak).
#define OBJECTFS_CLIENT_STATS(X)                                                                  \
  X(head_requests, Counter, "metadata (HEAD) requests sent to stores")                            \
  X(get_requests, Counter, "data GET requests sent to stores")                                    \
  X(list_requests, Counter, "listing requests sent to stores")                                    \
  X(put_requests, Counter, "upload requests: PUTs, parts, multipart starts and commits")          \
  X(delete_requests, Counter, "delete and abort requests sent to stores")                         \
  X(other_requests, Counter, "other requests: credentials, tokens")                               \
  X(retries, Counter, "requests sent again after a retryable failure")                            \
  X(bytes_downloaded, Counter, "object bytes received from stores")                               \
  X(bytes_uploaded, Counter, "object bytes stored by uploads (parts that succeeded)")             \
  X(bytes_served, Counter, "bytes returned to callers by File reads")                             \
  X(cache_hits, Counter, "memory cache block lookups that hit")                                   \
  X(cache_hit_bytes, Counter, "bytes of File reads found in the memory cache")                    \
  X(cache_misses, Counter, "memory cache block lookups that missed")                              \
  X(memory_used, Gauge, "bytes held by the memory cache and in-flight fetches now")               \
  X(memory_peak, Gauge, "the most bytes the memory cache ever held")                              \
  X(disk_hits, Counter, "disk cache block lookups that hit")                                      \
  X(disk_misses, Counter, "disk cache block lookups that missed")                                 \
  X(disk_bytes_read, Counter, "bytes read from the disk cache")                                   \
  X(disk_bytes_written, Counter, "bytes written to the disk cache")                               \
  X(disk_corrupt_blocks, Counter, "disk cache blocks that failed their checksum (fetched again)") \
  X(disk_bytes_verified, Counter, "disk cache bytes whose checksums were computed")               \
  X(disk_write_failures, Counter, "disk cache blocks that could not be stored (no room, errors)") \
  X(shared_hits, Counter, "shared tier blocks read and verified")                                 \
  X(shared_misses, Counter, "shared tier block lookups that found none (or a corrupt one)")       \
  X(shared_bytes_read, Counter, "bytes read from the shared tier")                                \
  X(shared_bytes_written, Counter, "bytes stored in the shared tier")                             \
  X(shared_corrupt_blocks, Counter, "shared tier blocks that failed verification (ignored)")      \
  X(shared_failures, Counter, "shared tier requests that failed (the origin served instead)")     \
  X(shared_dropped, Counter, "blocks not published to the shared tier (queue full, tier skipped)")

// Counters since the Client was created (Client::Stats()).
struct ClientStats {
#define OBJECTFS_STATS_FIELD(name, kind, help) uint64_t name = 0;
  OBJECTFS_CLIENT_STATS(OBJECTFS_STATS_FIELD)
#undef OBJECTFS_STATS_FIELD
};

enum class StatKind { kCounter, kGauge };

// One row of the list: what an exporter needs to publish a value.
struct StatDescriptor {
  std::string_view name;
  StatKind kind;
  std::string_view help;
  uint64_t ClientStats::*field;
};

inline constexpr std::array kClientStats = {
#define OBJECTFS_STATS_ROW(name, kind, help) \
  StatDescriptor{#name, StatKind::k##kind, help, &ClientStats::name},
    OBJECTFS_CLIENT_STATS(OBJECTFS_STATS_ROW)
#undef OBJECTFS_STATS_ROW
};

// "stats: head_requests=1 get_requests=2 ...": every row, in list order (the
// CLI's --stats line and the mount's, which tests and scripts parse).
std::string StatsLine(const ClientStats& stats);

}  // namespace objectfs
