// The range and cross-field checks of ClientOptions, run once by Client::Create
// for every front. Messages name options by their schema name and show the value.
#include "objectfs/log.hpp"
#include "objectfs/option_schema.hpp"
#include "options/option_text.hpp"

namespace objectfs {
namespace {

std::string Got(uint64_t bytes) { return " (got " + internal::FormatByteSize(bytes) + ")"; }
std::string Got(int64_t n) { return " (got " + std::to_string(n) + ")"; }
std::string Got(std::chrono::milliseconds d) { return " (got " + internal::FormatSeconds(d) + ")"; }

Status CheckRead(const ReadOptions& r) {
  if (r.part_size < (64u << 10)) {
    return InvalidArgument("part_size must be at least 64K" + Got(r.part_size));
  }
  if (r.max_parallel_requests < 1 || r.max_parallel_requests > 1024) {
    return InvalidArgument("max_parallel_requests must be between 1 and 1024" +
                           Got(int64_t{r.max_parallel_requests}));
  }
  if (r.block_size == 0 || r.block_size > r.part_size) {
    return InvalidArgument("block_size must be between 1 and part_size" + Got(r.block_size));
  }
  if (r.memory_limit != 0 && r.memory_limit < 2 * r.part_size) {
    return InvalidArgument("memory_limit must be at least twice part_size" + Got(r.memory_limit));
  }
  return Status::Ok();
}

Status CheckHttp(const HttpOptions& h) {
  if (h.retry.max_attempts < 1) {
    return InvalidArgument("max_attempts must be at least 1" + Got(int64_t{h.retry.max_attempts}));
  }
  if (h.retry.initial_backoff > h.retry.max_backoff) {
    return InvalidArgument("retry_initial_backoff must not exceed retry_max_backoff" +
                           Got(h.retry.initial_backoff));
  }
  if (h.connect_timeout.count() <= 0) {
    return InvalidArgument("connect_timeout must be positive" + Got(h.connect_timeout));
  }
  if (h.low_speed_time.count() < 1) {
    return InvalidArgument("read_timeout must be at least 1 second" +
                           Got(std::chrono::milliseconds(h.low_speed_time)));
  }
  if (h.low_speed_limit_bytes < 0) return InvalidArgument("low_speed_limit must not be negative");
  if (h.max_connections < 1) {
    return InvalidArgument("max_connections must be at least 1" + Got(int64_t{h.max_connections}));
  }
  return Status::Ok();
}

}  // namespace

Status ValidateOptions(const ClientOptions& options) {
  OBJECTFS_RETURN_IF_ERROR(CheckRead(options.read));
  if (auto level = ParseLogLevel(options.observe.log_level); !level.ok()) return level.status();
  const FleetOptions& fleet = options.fleet;
  if (fleet.fleet_size < 1 || fleet.fleet_size > 100000) {
    return InvalidArgument("fleet_size must be 1 to 100000" + Got(int64_t{fleet.fleet_size}));
  }
  if (fleet.fleet_rank < 0 || fleet.fleet_rank >= fleet.fleet_size) {
    return InvalidArgument("fleet_rank must be 0 to fleet_size - 1 (" +
                           std::to_string(fleet.fleet_size - 1) + ")" +
                           Got(int64_t{fleet.fleet_rank}));
  }
  if (fleet.fleet_size > 1 && fleet.shared_cache.empty()) {
    return InvalidArgument("fleet_size > 1 needs shared_cache: the ranks meet in its bucket");
  }
  if (fleet.fleet_wait.count() < 0) {
    return InvalidArgument("fleet_wait must not be negative" + Got(fleet.fleet_wait));
  }
  if (auto format = ParseLogFormat(options.observe.log_format); !format.ok()) {
    return format.status();
  }
  return CheckHttp(options.http);
}

}  // namespace objectfs
