#include "fs/local_entries.hpp"

#include <algorithm>

namespace objectfs::mount {
namespace {

EntryAttr WritingAttr(const WriteState& state) {
  return EntryAttr{false, state.written.load(), {}, state.started};
}

// The name of `key` directly under `dir_key`, or empty when it is deeper.
std::string ChildName(const std::string& dir_key, const std::string& key) {
  if (key.size() <= dir_key.size() || key.compare(0, dir_key.size(), dir_key) != 0) return {};
  std::string rest = key.substr(dir_key.size());
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.empty() || rest.find('/') != std::string::npos) return {};
  return rest;
}

}  // namespace

bool LocalEntries::StartWriting(std::shared_ptr<WriteState> state) {
  std::lock_guard lock(mu_);
  const std::string key = state->key;
  return writing_.emplace(key, std::move(state)).second;
}

std::shared_ptr<WriteState> LocalEntries::Writing(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = writing_.find(key);
  return it == writing_.end() ? nullptr : it->second;
}

void LocalEntries::DoneWriting(const WriteState& state) {
  std::lock_guard lock(mu_);
  auto it = writing_.find(state.key);
  if (it != writing_.end() && it->second.get() == &state) writing_.erase(it);
}

bool LocalEntries::AddDir(const std::string& key) {
  std::lock_guard lock(mu_);
  return dirs_.insert(key).second;
}

bool LocalEntries::RemoveDir(const std::string& key) {
  std::lock_guard lock(mu_);
  return dirs_.erase(key) > 0;
}

std::optional<EntryAttr> LocalEntries::Find(const std::string& dir_key,
                                            const std::string& name) const {
  const std::string key = dir_key + name;
  std::lock_guard lock(mu_);
  if (dirs_.count(key + "/") != 0) return EntryAttr{true, 0, {}, {}};
  auto it = writing_.find(key);
  if (it != writing_.end()) return WritingAttr(*it->second);
  return std::nullopt;
}

std::vector<DirEntry> LocalEntries::Children(const std::string& dir_key) const {
  std::map<std::string, EntryAttr> by_name;
  std::lock_guard lock(mu_);
  for (auto it = writing_.lower_bound(dir_key);
       it != writing_.end() && it->first.compare(0, dir_key.size(), dir_key) == 0; ++it) {
    std::string name = ChildName(dir_key, it->first);
    if (!name.empty()) by_name.emplace(std::move(name), WritingAttr(*it->second));
  }
  for (auto it = dirs_.lower_bound(dir_key);
       it != dirs_.end() && it->compare(0, dir_key.size(), dir_key) == 0; ++it) {
    std::string name = ChildName(dir_key, *it);
    if (!name.empty()) by_name[std::move(name)] = EntryAttr{true, 0, {}, {}};
  }
  std::vector<DirEntry> out;
  out.reserve(by_name.size());
  for (auto& [name, attr] : by_name) out.push_back(DirEntry{name, attr});
  return out;
}

std::vector<DirEntry> MergeEntries(const std::vector<DirEntry>& remote,
                                   const std::vector<DirEntry>& local) {
  std::vector<DirEntry> out;
  out.reserve(remote.size() + local.size());
  auto r = remote.begin();
  auto l = local.begin();
  while (r != remote.end() || l != local.end()) {
    if (l == local.end() || (r != remote.end() && r->name < l->name)) {
      out.push_back(*r++);
    } else {
      if (r != remote.end() && r->name == l->name) ++r;
      out.push_back(*l++);
    }
  }
  return out;
}

}  // namespace objectfs::mount
