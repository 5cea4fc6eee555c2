#include "objectfs/warm.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "warm/warm_expand.hpp"
#include "warm/warm_source.hpp"

namespace objectfs {
namespace {

using Clock = std::chrono::steady_clock;
using internal::WarmTarget;

struct ObjectState {
  explicit ObjectState(WarmTarget t) : target(std::move(t)) {}
  WarmTarget target;
  std::once_flag opened;
  std::shared_ptr<File> file;  // set once, in `opened`
  Status status;               // the first error, guarded by WarmRun::mu_
  std::atomic<uint64_t> blocks_left{0};
  std::atomic<uint64_t> fetched{0};
  std::atomic<uint64_t> cached{0};
};

// One call of Warm: a task per block, objects in order, taken by `threads`
// workers; a reporter thread calls the progress callback.
class WarmRun {
 public:
  WarmRun(internal::WarmSource& source, const WarmOptions& options, std::vector<WarmTarget> targets)
      : source_(source), options_(options), block_size_(source.BlockSize()) {
    for (WarmTarget& target : targets) {
      auto object = std::make_unique<ObjectState>(std::move(target));
      const uint64_t size = object->target.size;
      const uint64_t blocks = (size + block_size_ - 1) / block_size_;
      object->blocks_left = std::max<uint64_t>(blocks, 1);  // an empty object is one task
      for (uint64_t b = 0; b < object->blocks_left; ++b) tasks_.push_back({object.get(), b});
      total_bytes_ += size;
      objects_.push_back(std::move(object));
    }
  }

  WarmSummary Run() {
    start_ = Clock::now();
    std::thread reporter;
    if (options_.progress) reporter = std::thread([this] { Report(); });
    const int wanted = options_.threads > 0 ? options_.threads : source_.DefaultThreads();
    const size_t workers = std::min<size_t>(tasks_.size(), static_cast<size_t>(wanted));
    std::vector<std::thread> threads;
    for (size_t i = 0; i < workers; ++i) threads.emplace_back([this] { Work(); });
    for (auto& t : threads) t.join();
    {
      std::lock_guard lock(done_mu_);
      finished_ = true;
    }
    done_cv_.notify_all();
    if (reporter.joinable()) reporter.join();
    WarmSummary summary;
    summary.totals = Totals(true);
    summary.stopped = stop_;
    for (auto& object : objects_) summary.objects.push_back(ResultOf(*object));
    if (options_.progress) {
      std::lock_guard lock(callback_mu_);
      (void)options_.progress(summary.totals);
    }
    return summary;
  }

 private:
  struct Task {
    ObjectState* object;
    uint64_t block;
  };

  WarmProgress Totals(bool done) const {
    WarmProgress p;
    p.total_bytes = total_bytes_;
    p.bytes_fetched = fetched_;
    p.bytes_cached = cached_;
    p.objects = objects_.size();
    p.objects_done = objects_done_;
    p.objects_failed = objects_failed_;
    p.seconds = std::chrono::duration<double>(Clock::now() - start_).count();
    p.done = done;
    return p;
  }

  WarmObjectResult ResultOf(ObjectState& object) {
    WarmObjectResult r{object.target.uri, object.target.size, object.fetched, object.cached, {}};
    std::lock_guard lock(mu_);
    r.status = object.status;
    if (r.status.ok() && object.blocks_left > 0) {
      r.status = Unavailable(object.target.uri + ": the warm stopped before it was cached");
    }
    return r;
  }

  void Open(ObjectState& object) {
    std::call_once(object.opened, [&] {
      // Listed objects get their HEAD here (see Client::Open(uri, info)).
      auto file = source_.Open(object.target.uri, object.target.stat);
      std::lock_guard lock(mu_);
      if (file.ok()) {
        object.file = std::move(*file);
      } else {
        object.status = file.status();
      }
    });
  }

  void Fetch(ObjectState& object, uint64_t block) {
    {
      std::lock_guard lock(mu_);
      if (!object.status.ok()) return;
    }
    if (object.target.size == 0) return;
    auto result = object.file->WarmDiskCache({block * block_size_, block_size_});
    if (!result.ok()) {
      std::lock_guard lock(mu_);
      if (object.status.ok()) object.status = result.status();
      return;
    }
    object.fetched += result->bytes_fetched;
    object.cached += result->bytes_already_cached;
    fetched_ += result->bytes_fetched;
    cached_ += result->bytes_already_cached;
  }

  void Work() {
    for (size_t i = next_++; i < tasks_.size() && !stop_; i = next_++) {
      ObjectState& object = *tasks_[i].object;
      Open(object);
      Fetch(object, tasks_[i].block);
      if (--object.blocks_left == 0) Finish(object);
    }
  }

  void Finish(ObjectState& object) {
    const WarmObjectResult result = ResultOf(object);
    if (!result.status.ok()) ++objects_failed_;
    ++objects_done_;
    object.file.reset();  // its reader's memory goes back now, not at the end
    if (options_.on_object) {
      std::lock_guard lock(callback_mu_);
      options_.on_object(result);
    }
  }

  void Report() {
    std::unique_lock lock(done_mu_);
    while (!done_cv_.wait_for(lock, options_.progress_interval, [&] { return finished_; })) {
      std::lock_guard callback(callback_mu_);
      if (!options_.progress(Totals(false))) stop_ = true;
    }
  }

  internal::WarmSource& source_;
  const WarmOptions& options_;
  const uint64_t block_size_;
  std::vector<std::unique_ptr<ObjectState>> objects_;
  std::vector<Task> tasks_;
  uint64_t total_bytes_ = 0;
  Clock::time_point start_;

  std::atomic<size_t> next_{0};
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> fetched_{0};
  std::atomic<uint64_t> cached_{0};
  std::atomic<size_t> objects_done_{0};
  std::atomic<size_t> objects_failed_{0};

  std::mutex mu_;           // ObjectState::status
  std::mutex callback_mu_;  // one callback at a time
  std::mutex done_mu_;
  std::condition_variable done_cv_;
  bool finished_ = false;  // guarded by done_mu_
};

// The Client's public API: what Warm(Client&) warms through.
class ClientWarmSource final : public internal::WarmSource {
 public:
  explicit ClientWarmSource(Client& client) : client_(client) {}
  Result<ObjectInfo> Stat(const std::string& uri) override { return client_.Stat(uri); }
  Result<ListPage> List(const std::string& uri, const std::string& page_token) override {
    return client_.List(uri, "", page_token);
  }
  Result<std::shared_ptr<File>> Open(const std::string& uri,
                                     const std::optional<ObjectInfo>& info) override {
    return info ? client_.Open(uri, *info) : client_.Open(uri);
  }
  uint64_t BlockSize() const override { return client_.DiskCacheBlockSize(); }
  int DefaultThreads() const override { return client_.options().read.max_parallel_requests; }

 private:
  Client& client_;
};

}  // namespace

namespace internal {

Result<WarmSummary> RunWarm(WarmSource& source, std::span<const std::string> uris,
                            const WarmOptions& options) {
  if (source.BlockSize() == 0) {
    return InvalidArgument(
        "warm needs a disk cache or a shared cache: set the cache_dir option (or "
        "OBJECTFS_CACHE_DIR) or shared_cache");
  }
  std::vector<WarmTarget> targets;
  std::vector<Status> errors;
  for (const std::string& uri : uris) {
    Status status = ExpandWarmUri(source, uri, &targets);
    if (status.ok()) continue;
    if (options.on_error) options.on_error(status);
    errors.push_back(std::move(status));
  }
  WarmRun run(source, options, std::move(targets));
  WarmSummary summary = run.Run();
  summary.errors = std::move(errors);
  return summary;
}

}  // namespace internal

Result<WarmSummary> Warm(Client& client, std::span<const std::string> uris,
                         const WarmOptions& options) {
  ClientWarmSource source(client);
  return internal::RunWarm(source, uris, options);
}

}  // namespace objectfs
