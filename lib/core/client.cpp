#include "objectfs/client.hpp"

#include "core/client_core.hpp"
#include "core/file_factory.hpp"
#include "objectfs/option_schema.hpp"

namespace objectfs {

Result<std::shared_ptr<Client>> Client::Create(ClientOptions options) {
  OBJECTFS_RETURN_IF_ERROR(ValidateOptions(options));
  if (!options.log && !options.observe.log_file.empty()) {
    OBJECTFS_ASSIGN_OR_RETURN(LogFormat format, ParseLogFormat(options.observe.log_format));
    OBJECTFS_ASSIGN_OR_RETURN(LogLevel level, ParseLogLevel(options.observe.log_level));
    OBJECTFS_ASSIGN_OR_RETURN(auto writer,
                              LogWriter::Open(options.observe.log_file, format, level));
    options.log = LogWriter::SinkOf(std::move(writer));
  }
  auto core = std::make_shared<internal::ClientCore>(std::move(options));
  // ValidateOptions checks an explicit memory_limit; the automatic one is
  // known only now. A part must fit twice, or reads and uploads would
  // allocate past the budget.
  const uint64_t part_size = core->options().read.part_size;
  if (core->cache().budget() < 2 * part_size) {
    auto mib = [](uint64_t bytes) { return std::to_string(bytes >> 20) + " MiB"; };
    return InvalidArgument(
        "part_size " + mib(part_size) + " does not fit twice in memory_limit (automatic: " +
        mib(core->cache().budget()) + "): lower part_size or raise memory_limit");
  }
  OBJECTFS_RETURN_IF_ERROR(core->OpenDiskCache());
  OBJECTFS_RETURN_IF_ERROR(core->StartObservability());
  return std::shared_ptr<Client>(new Client(std::move(core)));
}

Client::Client(std::shared_ptr<internal::ClientCore> core) : core_(std::move(core)) {}
Client::~Client() = default;

using internal::Locate;
using internal::Located;

Result<ObjectInfo> Client::Stat(std::string_view text) {
  OBJECTFS_ASSIGN_OR_RETURN(Located at, Locate(*core_, text));
  auto info = at.store->Stat(at.uri.key);
  if (!info.ok()) return info.status().WithContext(at.uri.ForMessages());
  return info;
}

Result<ListPage> Client::List(std::string_view text, std::string_view delimiter,
                              std::string_view page_token, int max_keys) {
  OBJECTFS_ASSIGN_OR_RETURN(Located at, Locate(*core_, text));
  if (!at.store->Capabilities().list) {
    return Unimplemented("listing is not available for " + at.uri.ForMessages() + ": " +
                         at.store->Describe() + " has no listing; name a full object URI");
  }
  ListRequest request;
  request.prefix = at.uri.key;
  request.delimiter = std::string(delimiter);
  request.page_token = std::string(page_token);
  request.max_keys = max_keys;
  auto page = at.store->List(request);
  if (!page.ok()) return page.status().WithContext(at.uri.ForMessages());
  // A server that answers a page token with the same token would make every
  // caller's "until the token is empty" loop run forever.
  if (!request.page_token.empty() && page->next_page_token == request.page_token) {
    return DataLoss(at.uri.ForMessages() + ": the listing repeated its continuation token '" +
                    request.page_token + "': it would never end");
  }
  // Every caller cuts the prefix off the names (the mount, cp -r, rm -r): a
  // name outside it is a broken server, refused here once for all of them.
  for (const ObjectInfo& object : page->objects) {
    if (!object.key.starts_with(request.prefix)) {
      return DataLoss(at.uri.ForMessages() + ": the listing returned key '" + object.key +
                      "', outside the prefix '" + request.prefix + "'");
    }
  }
  for (const std::string& prefix : page->common_prefixes) {
    if (prefix.size() <= request.prefix.size() || !prefix.starts_with(request.prefix) ||
        (!request.delimiter.empty() && !prefix.ends_with(request.delimiter))) {
      return DataLoss(at.uri.ForMessages() + ": the listing returned common prefix '" + prefix +
                      "', not a directory under '" + request.prefix + "'");
    }
  }
  return page;
}

Result<std::shared_ptr<File>> Client::Open(std::string_view text) {
  OBJECTFS_ASSIGN_OR_RETURN(Located at, Locate(*core_, text));
  auto info = at.store->Stat(at.uri.key);
  if (!info.ok()) return info.status().WithContext(at.uri.ForMessages());
  return internal::FileFactory::Make(core_, std::move(at.store), std::move(at.uri),
                                     std::move(*info));
}

Result<std::shared_ptr<File>> Client::Open(std::string_view text, ObjectInfo info) {
  OBJECTFS_ASSIGN_OR_RETURN(Located at, Locate(*core_, text));
  return internal::FileFactory::Make(core_, std::move(at.store), std::move(at.uri),
                                     std::move(info));
}

Result<std::shared_ptr<File>> Client::OpenListed(std::string_view text, ObjectInfo listed) {
  OBJECTFS_ASSIGN_OR_RETURN(Located at, Locate(*core_, text));
  if (listed.key != at.uri.key) {
    return InvalidArgument(at.uri.ToString() + ": the listing entry given is of key '" +
                           listed.key + "'");
  }
  if (!at.store->Capabilities().listing_pins) {
    // The listing may spell the ETag differently: a pin from it could fail
    // every read, and would not find the disk-cache blocks a Stat's would.
    auto info = at.store->Stat(at.uri.key);
    if (!info.ok()) return info.status().WithContext(at.uri.ToString());
    listed = std::move(*info);
  }
  return internal::FileFactory::Make(core_, std::move(at.store), std::move(at.uri),
                                     std::move(listed));
}

Status Client::RegisterStore(std::string scheme, StoreFactory factory, UriStyle style) {
  if (!factory) return InvalidArgument("RegisterStore('" + scheme + "'): no factory given");
  internal::StoreRegistration registration{
      {std::move(scheme)},
      style,
      [factory = std::move(factory)](const Uri& uri, internal::StoreContext&) {
        return factory(uri);
      }};
  return core_->registry().Register(std::move(registration));
}

ClientStats Client::Stats() const {
  ClientStats stats = core_->stats().Snapshot();
  stats.memory_used = core_->cache().used();
  stats.memory_peak = core_->cache().peak();
  return stats;
}
uint64_t Client::MemoryBudget() const { return core_->cache().budget(); }

void Client::Flush() {
  if (core_->shared_tier() != nullptr) core_->shared_tier()->Drain();
}
std::vector<MetricFamily> Client::Metrics() const { return core_->Metrics(); }
void Client::AddMetricsSource(std::weak_ptr<const MetricsSource> source) {
  core_->AddMetricsSource(std::move(source));
}
RunCost Client::Cost() const { return core_->Cost(); }
Status Client::WriteMetricsFile() { return core_->WriteMetricsFile(); }
uint16_t Client::MetricsPort() const { return core_->metrics_port(); }
uint64_t Client::DiskCacheBlockSize() const {
  if (core_->disk_cache() != nullptr) return core_->disk_cache()->block_size();
  return core_->shared_tier() != nullptr ? core_->shared_tier()->block_size() : 0;
}
const ClientOptions& Client::options() const { return core_->options(); }

}  // namespace objectfs
