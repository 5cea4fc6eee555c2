#include "fs/metadata.hpp"

#include <algorithm>

#include "fs/mount_log.hpp"

namespace objectfs::mount {
namespace {

constexpr auto kMaxNegativeTtl = std::chrono::seconds(5);
constexpr int kLookupMaxKeys = 16;

}  // namespace

MetadataCache::MetadataCache(ObjectSource& source, Options options)
    : source_(source), options_(std::move(options)) {}

bool MetadataCache::ValidName(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.size() <= 255 &&
         name.find('\0') == std::string::npos && name.find('/') == std::string::npos;
}

MetadataCache::Clock::time_point MetadataCache::Expiry(bool negative) const {
  const auto now = options_.now();
  const std::chrono::milliseconds ttl = options_.ttl;
  if (ttl.count() < 0) {
    return negative ? now + kMaxNegativeTtl : Clock::time_point::max();
  }
  return now + (negative ? std::min<std::chrono::milliseconds>(ttl, kMaxNegativeTtl) : ttl);
}

void MetadataCache::Put(const std::string& key, std::optional<EntryAttr> attr) {
  const bool negative = !attr.has_value();
  entries_[key] = Cached{std::move(attr), Expiry(negative)};
}

void MetadataCache::LogSkipped(const std::string& key) {
  {
    std::lock_guard lock(mutex_);
    if (!skipped_logged_.insert(key).second) return;
  }
  Log(LogLevel::kWarn, "skipping key '" + key + "': its last component is not a valid file name");
}

Result<std::optional<EntryAttr>> MetadataCache::Lookup(const std::string& dir_key,
                                                       const std::string& name) {
  if (!ValidName(name)) return std::optional<EntryAttr>();
  const std::string key = dir_key + name;
  {
    std::lock_guard lock(mutex_);
    const auto now = options_.now();
    auto it = entries_.find(key);
    if (it != entries_.end() && it->second.expires > now) return it->second.attr;
    auto dir = dirs_.find(dir_key);
    if (dir != dirs_.end() && dir->second.expires > now) {
      // A fresh listing of the parent answers the lookup, present or not.
      const auto& entries = *dir->second.entries;
      auto pos =
          std::lower_bound(entries.begin(), entries.end(), name,
                           [](const DirEntry& e, const std::string& n) { return e.name < n; });
      if (pos != entries.end() && pos->name == name) return std::optional<EntryAttr>(pos->attr);
      return std::optional<EntryAttr>();
    }
  }
  ListRequest request;
  request.prefix = key;
  request.delimiter = "/";
  request.max_keys = kLookupMaxKeys;
  if (LogEnabled(LogLevel::kDebug)) Log(LogLevel::kDebug, "list (lookup) prefix=" + key);
  auto page = source_.List(request);
  if (!page.ok()) return page.status();
  std::optional<EntryAttr> file, dir;
  const std::string dir_prefix = key + "/";
  for (const auto& object : page->objects) {
    if (object.key == key)
      file = EntryAttr{false, object.size, object.etag, object.mtime, object.version};
  }
  for (const auto& prefix : page->common_prefixes) {
    if (prefix == dir_prefix) dir = EntryAttr{true, 0, {}, {}};
  }
  if (!dir && !page->next_page_token.empty()) {
    // Keys like "a.txt" and "a-1" sort before "a/": the page may have ended
    // before reaching it. Ask for the prefix itself.
    std::string last;
    if (!page->objects.empty()) last = page->objects.back().key;
    if (!page->common_prefixes.empty()) last = std::max(last, page->common_prefixes.back());
    if (last < dir_prefix) {
      ListRequest probe;
      probe.prefix = dir_prefix;
      probe.delimiter = "/";
      probe.max_keys = 1;
      if (LogEnabled(LogLevel::kDebug)) Log(LogLevel::kDebug, "list (probe) prefix=" + dir_prefix);
      auto more = source_.List(probe);
      if (!more.ok()) return more.status();
      if (!more->objects.empty() || !more->common_prefixes.empty()) {
        dir = EntryAttr{true, 0, {}, {}};
      }
    }
  }
  std::optional<EntryAttr> result = dir ? dir : file;  // the directory wins
  std::lock_guard lock(mutex_);
  Put(key, result);
  return result;
}

void MetadataCache::Update(const std::string& dir_key, const std::string& name,
                           std::optional<EntryAttr> attr) {
  std::lock_guard lock(mutex_);
  Put(dir_key + name, std::move(attr));
  dirs_.erase(dir_key);
}

Result<std::shared_ptr<const std::vector<DirEntry>>> MetadataCache::ReadDir(
    const std::string& dir_key) {
  {
    std::lock_guard lock(mutex_);
    auto it = dirs_.find(dir_key);
    if (it != dirs_.end() && it->second.expires > options_.now()) return it->second.entries;
  }
  std::map<std::string, EntryAttr> by_name;
  ListRequest request;
  request.prefix = dir_key;
  request.delimiter = "/";
  do {
    if (LogEnabled(LogLevel::kDebug)) Log(LogLevel::kDebug, "list (readdir) prefix=" + dir_key);
    auto page = source_.List(request);
    if (!page.ok()) return page.status();
    for (const auto& object : page->objects) {
      if (object.key == dir_key) continue;  // a directory marker object
      std::string name = object.key.substr(dir_key.size());
      if (!ValidName(name)) {
        LogSkipped(object.key);
        continue;
      }
      by_name.emplace(std::move(name),
                      EntryAttr{false, object.size, object.etag, object.mtime, object.version});
    }
    for (const auto& prefix : page->common_prefixes) {
      std::string name = prefix.substr(dir_key.size(), prefix.size() - dir_key.size() - 1);
      if (!ValidName(name)) {
        LogSkipped(prefix);
        continue;
      }
      by_name[std::move(name)] = EntryAttr{true, 0, {}, {}};  // the directory wins
    }
    request.page_token = page->next_page_token;
  } while (!request.page_token.empty());

  auto entries = std::make_shared<std::vector<DirEntry>>();
  entries->reserve(by_name.size());
  for (auto& [name, attr] : by_name) entries->push_back(DirEntry{name, attr});
  std::lock_guard lock(mutex_);
  for (const auto& entry : *entries) Put(dir_key + entry.name, entry.attr);
  dirs_[dir_key] = CachedDir{entries, Expiry(false)};
  return std::shared_ptr<const std::vector<DirEntry>>(entries);
}

}  // namespace objectfs::mount
