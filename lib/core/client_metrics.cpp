// The Client's metric families, its price table, its metrics server and
// metrics file (docs/observability.md names every family).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/client_core.hpp"
#include "util/unique_fd.hpp"

namespace objectfs::internal {
namespace {

MetricFamily Single(std::string name, std::string help, MetricType type, double value) {
  return {std::move(name), std::move(help), type, {{{}, value}}, {}};
}

MetricFamily ByTier(std::string name, std::string help, MetricType type,
                    std::initializer_list<std::pair<const char*, uint64_t>> tiers) {
  MetricFamily family{std::move(name), std::move(help), type, {}, {}};
  for (const auto& [tier, value] : tiers)
    family.samples.push_back({{{"tier", tier}}, double(value)});
  return family;
}

// Rows of the counter list that a named family above already carries.
bool HasNamedFamily(std::string_view row) {
  for (std::string_view named :
       {"head_requests", "get_requests", "list_requests", "put_requests", "delete_requests",
        "other_requests", "retries", "bytes_downloaded", "bytes_uploaded", "cache_hits",
        "cache_misses", "cache_hit_bytes", "memory_used", "disk_hits", "disk_misses",
        "disk_bytes_read", "shared_hits", "shared_misses", "shared_bytes_read"}) {
    if (row == named) return true;
  }
  return false;
}

// The rest of the counter list under their own names ("bytes_served" is what
// File reads returned: objectfs_bytes_returned_total, so as not to be read as
// the by-tier family).
void AppendStatsRows(const ClientStats& stats, std::vector<MetricFamily>& out) {
  for (const StatDescriptor& row : kClientStats) {
    if (HasNamedFamily(row.name)) continue;
    const bool counter = row.kind == StatKind::kCounter;
    std::string name = row.name == "bytes_served" ? "bytes_returned" : std::string(row.name);
    if (!counter && name.ends_with("_peak")) name = name.substr(0, name.size() - 5) + "_peak_bytes";
    out.push_back(Single("objectfs_" + name + (counter ? "_total" : ""), std::string(row.help),
                         counter ? MetricType::kCounter : MetricType::kGauge,
                         double(stats.*row.field)));
  }
}

}  // namespace

Status ClientCore::StartObservability() {
  if (!options_.observe.price_table.empty()) {
    OBJECTFS_ASSIGN_OR_RETURN(prices_, LoadPriceTable(options_.observe.price_table));
  } else {
    prices_ = DefaultPriceTable();
  }
  if (!options_.observe.metrics_address.empty()) {
    auto server =
        MetricsServer::Start(options_.observe.metrics_address, [this] { return Metrics(); });
    if (!server.ok()) return server.status();
    metrics_server_ = std::move(*server);
  }
  return Status::Ok();
}

void ClientCore::AppendClientFamilies(std::vector<MetricFamily>& out) {
  ClientStats stats = stats_.Snapshot();
  stats.memory_used = cache_.used();
  stats.memory_peak = cache_.peak();
  request_metrics_.AppendFamilies(out);
  // Causes the request metrics cannot see: blocks that failed their checksum.
  for (MetricFamily& family : out) {
    if (family.name == "objectfs_errors_total") {
      family.samples.push_back({{{"cause", "checksum"}}, double(stats.disk_corrupt_blocks)});
    }
  }
  const auto counter = MetricType::kCounter;
  const auto gauge = MetricType::kGauge;
  out.push_back(Single("objectfs_retries_total", "requests sent again after a retryable failure",
                       counter, double(stats.retries)));
  out.push_back(Single("objectfs_bytes_downloaded_total", "object bytes received from stores",
                       counter, double(stats.bytes_downloaded)));
  out.push_back(Single("objectfs_bytes_uploaded_total",
                       "object bytes stored by uploads (parts that succeeded)", counter,
                       double(stats.bytes_uploaded)));
  out.push_back(ByTier("objectfs_bytes_served_total",
                       "bytes each tier supplied: memory cache hits, disk cache reads, the shared "
                       "tier and the origin store",
                       counter,
                       {{"memory", stats.cache_hit_bytes},
                        {"disk", stats.disk_bytes_read},
                        {"shared", stats.shared_bytes_read},
                        {"origin", stats.bytes_downloaded}}));
  out.push_back(ByTier(
      "objectfs_cache_hits_total", "block lookups that hit, by tier", counter,
      {{"memory", stats.cache_hits}, {"disk", stats.disk_hits}, {"shared", stats.shared_hits}}));
  out.push_back(ByTier("objectfs_cache_misses_total", "block lookups that missed, by tier", counter,
                       {{"memory", stats.cache_misses},
                        {"disk", stats.disk_misses},
                        {"shared", stats.shared_misses}}));
  out.push_back(Single("objectfs_disk_cache_bytes",
                       "block bytes in the disk cache directory (estimate: last scan plus this "
                       "process's writes)",
                       gauge, disk_cache_ ? double(disk_cache_->UsageEstimate()) : 0.0));
  out.push_back(Single("objectfs_memory_used_bytes",
                       "bytes held by the memory cache and in-flight fetches now", gauge,
                       double(stats.memory_used)));
  out.push_back(Single("objectfs_memory_limit_bytes", "the memory budget of the Client", gauge,
                       double(cache_.budget())));
  AppendStatsRows(stats, out);

  const RunCost cost = Cost();
  MetricFamily price{"objectfs_cost_usd_total",
                     "estimated cost of the requests and egress so far, by class, at the price "
                     "table's list prices (currency label: the table's)",
                     counter,
                     {},
                     {}};
  for (const auto& [part, value] : cost.parts) {
    price.samples.push_back({{{"class", part}, {"currency", cost.currency}}, value});
  }
  out.push_back(std::move(price));
}

std::vector<MetricFamily> ClientCore::Metrics() {
  std::vector<MetricFamily> families;
  AppendClientFamilies(families);
  std::vector<std::shared_ptr<const MetricsSource>> live;
  {
    std::lock_guard lock(sources_mu_);
    std::erase_if(sources_, [&](const auto& weak) {
      auto source = weak.lock();
      if (source) live.push_back(std::move(source));
      return !source;
    });
  }
  for (const auto& source : live) (*source)(families);
  return families;
}

void ClientCore::AddMetricsSource(std::weak_ptr<const MetricsSource> source) {
  std::lock_guard lock(sources_mu_);
  sources_.push_back(std::move(source));
}

Status ClientCore::WriteMetricsFile() {
  const std::string& path = options_.observe.metrics_file;
  if (path.empty()) return Status::Ok();
  metrics_file_written_ = true;
  const std::vector<MetricFamily> families = Metrics();
  const std::string text = PrometheusText(families);
  // node_exporter's textfile collector reads *.prom files at any moment: a
  // temporary name renamed into place is never seen half-written.
  const std::string temp = path + ".tmp." + std::to_string(::getpid());
  UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd.valid()) return Unavailable("metrics file " + temp + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = errno;
      ::unlink(temp.c_str());
      return Unavailable("metrics file " + temp + ": " + std::strerror(err));
    }
    done += size_t(n);
  }
  if (::fsync(fd.get()) != 0 || ::rename(temp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    return Unavailable("metrics file " + path + ": " + std::strerror(err));
  }
  return Status::Ok();
}

}  // namespace objectfs::internal
