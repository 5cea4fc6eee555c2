#include "fs/inodes.hpp"

namespace objectfs::mount {

InodeTable::InodeTable(std::string root_key) : root_key_(std::move(root_key)) {
  Node root;
  root.key = root_key_;
  root.is_dir = true;
  root.lookups = 1;  // never forgotten
  nodes_.emplace(kRootInode, std::move(root));
  by_key_.emplace(root_key_, kRootInode);
}

InodeId InodeTable::Ref(const std::string& key, bool is_dir, uint64_t nlookup) {
  std::lock_guard lock(mutex_);
  auto it = by_key_.find(key);
  if (it != by_key_.end()) {
    nodes_[it->second].lookups += nlookup;
    return it->second;
  }
  const InodeId ino = next_ino_++;
  Node node;
  node.key = key;
  node.is_dir = is_dir;
  node.lookups = nlookup;
  nodes_.emplace(ino, std::move(node));
  by_key_.emplace(key, ino);
  return ino;
}

void InodeTable::Forget(InodeId ino, uint64_t nlookup) {
  if (ino == kRootInode) return;
  std::lock_guard lock(mutex_);
  auto it = nodes_.find(ino);
  if (it == nodes_.end()) return;
  if (it->second.lookups > nlookup) {
    it->second.lookups -= nlookup;
    return;
  }
  by_key_.erase(it->second.key);
  nodes_.erase(it);
}

std::optional<InodeRef> InodeTable::Get(InodeId ino) const {
  std::lock_guard lock(mutex_);
  auto it = nodes_.find(ino);
  if (it == nodes_.end()) return std::nullopt;
  return InodeRef{ino, it->second.key, it->second.is_dir};
}

std::string InodeTable::ExchangeOpenETag(InodeId ino, const std::string& etag) {
  std::lock_guard lock(mutex_);
  auto it = nodes_.find(ino);
  if (it == nodes_.end()) return {};
  std::string previous = std::move(it->second.open_etag);
  it->second.open_etag = etag;
  return previous;
}

size_t InodeTable::size() const {
  std::lock_guard lock(mutex_);
  return nodes_.size();
}

void SplitKey(const std::string& key, std::string* parent, std::string* name) {
  std::string trimmed = key;
  if (!trimmed.empty() && trimmed.back() == '/') trimmed.pop_back();
  const size_t slash = trimmed.rfind('/');
  if (slash == std::string::npos) {
    parent->clear();
    *name = trimmed;
  } else {
    *parent = trimmed.substr(0, slash + 1);
    *name = trimmed.substr(slash + 1);
  }
}

}  // namespace objectfs::mount
