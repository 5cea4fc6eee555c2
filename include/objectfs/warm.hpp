// Warm: fills a Client's disk cache (ClientOptions::cache_dir) ahead of reads.
// Objects and whole prefixes are expanded, their disk-cache blocks fetched in
// parallel (one whole-block GET each), objects in order so each completes
// early. Blocks already cached are skipped: an interrupted warm resumes where
// it stopped.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "objectfs/client.hpp"
#include "objectfs/status.hpp"

namespace objectfs {

// Running totals over every object found.
struct WarmProgress {
  uint64_t total_bytes = 0;
  uint64_t bytes_fetched = 0;
  uint64_t bytes_cached = 0;  // already in the disk cache: skipped
  size_t objects = 0;
  size_t objects_done = 0;  // failed ones included
  size_t objects_failed = 0;
  double seconds = 0;  // since the fetches started
  bool done = false;   // the last report: every object is done (or the warm stopped)
};

struct WarmObjectResult {
  std::string uri;
  uint64_t size = 0;
  uint64_t bytes_fetched = 0;
  uint64_t bytes_cached = 0;
  Status status;  // the first error; Ok once every block is in the cache
};

struct WarmSummary {
  WarmProgress totals;
  std::vector<WarmObjectResult> objects;  // in the order they were found
  std::vector<Status> errors;             // inputs that could not be expanded (each names its URI)
  bool stopped = false;                   // the progress callback asked to stop
  bool ok() const { return errors.empty() && totals.objects_failed == 0 && !stopped; }
};

struct WarmOptions {
  // Blocks fetched at once; 0: ClientOptions::read.max_parallel_requests.
  int threads = 0;
  // Called every progress_interval while blocks are fetched, then once with
  // done set. Returning false stops the warm: blocks not started are skipped.
  std::function<bool(const WarmProgress&)> progress;
  std::chrono::milliseconds progress_interval{200};
  // Called once per object, when it is cached or failed.
  std::function<void(const WarmObjectResult&)> on_object;
  // Called once per input that names no object, before any fetch.
  std::function<void(const Status&)> on_error;
  // The callbacks run on library threads, never two at once.
};

// Each of `uris` is an object, or a prefix (ending in '/', a bucket alone, or
// a key with no object of that name) whose objects are all warmed. Fails only
// without a disk cache (InvalidArgument); per-object and per-input failures
// are in the summary. Thread-safe.
Result<WarmSummary> Warm(Client& client, std::span<const std::string> uris,
                         const WarmOptions& options = {});

}  // namespace objectfs
