// The write half of the store contract: run by RunStoreContract on stores
// whose capabilities say they write. Keys live under PREFIX/contract-writes/
// and are removed again.
#include <algorithm>
#include <random>

#include "contract/store_contract.hpp"

namespace objectfs::contract {
namespace {

class WriteChecker {
 public:
  WriteChecker(ObjectStore& store, std::string prefix)
      : store_(store), prefix_(std::move(prefix) + "contract-writes/") {}

  void Expect(bool ok, const std::string& what) {
    if (!ok) failures.push_back(store_.Describe() + ": " + what);
  }
  void ExpectCode(const Status& status, StatusCode code, const std::string& what) {
    Expect(status.code() == code,
           what + ": expected " + std::string(StatusCodeName(code)) + ", got " + status.ToString());
  }
  std::string Key(const std::string& name) const { return prefix_ + name; }

  // Whether `name` holds exactly `bytes` (Stat size and a pinned read).
  void ExpectObject(const std::string& name, const std::string& bytes, const std::string& what) {
    auto info = store_.Stat(Key(name));
    if (!info.ok()) return Expect(false, what + ": Stat: " + info.status().ToString());
    Expect(info->size == bytes.size(), what + ": size " + std::to_string(info->size) +
                                           ", expected " + std::to_string(bytes.size()));
    std::string out(bytes.size() + 1, '\0');
    auto n = store_.Read(Key(name), {0, out.size()},
                         std::span(reinterpret_cast<std::byte*>(out.data()), out.size()),
                         ReadConditions::PinnedTo(*info));
    Expect(n.ok() && out.substr(0, *n) == bytes,
           what + ": " + (n.ok() ? "wrong bytes read back" : n.status().ToString()));
  }
  void ExpectAbsent(const std::string& name, const std::string& what) {
    ExpectCode(store_.Stat(Key(name)).status(), StatusCode::kNotFound, what);
  }
  void Remove(const std::string& name) { (void)store_.Delete(Key(name)); }

  ObjectStore& store() { return store_; }
  std::vector<std::string> failures;

 private:
  ObjectStore& store_;
  const std::string prefix_;
};

std::span<const std::byte> Span(const std::string& s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(rng());
  return out;
}

void Puts(WriteChecker& c) {
  for (size_t size : {size_t{0}, size_t{1}, size_t{3000}}) {
    const std::string name = "put-" + std::to_string(size);
    const std::string bytes = RandomBytes(size, static_cast<uint32_t>(size));
    auto put = c.store().Put(c.Key(name), Span(bytes), {});
    c.Expect(put.ok(), "Put of " + std::to_string(size) + " bytes: " + put.status().ToString());
    c.ExpectObject(name, bytes, "Put of " + std::to_string(size) + " bytes");
    c.Remove(name);
  }
}

// Parts of the store's minimum size (at least 256 KiB) and a short last one,
// sent last-first where the store takes parts in any order.
void Multipart(WriteChecker& c) {
  const StoreCapabilities caps = c.store().Capabilities();
  if (caps.max_parts == 1) return;  // the store takes one part per upload
  const size_t part = std::max<uint64_t>(caps.min_part_size, 256 << 10);
  const std::string bytes = RandomBytes(2 * part + 1000, 7);
  auto upload = c.store().StartUpload(c.Key("multipart"), {});
  c.Expect(upload.ok(), "StartUpload: " + upload.status().ToString());
  if (!upload.ok()) return;
  const std::pair<int, uint64_t> parts[] = {{3, 2 * part}, {2, part}, {1, 0}};
  for (const auto& [number, offset] : parts) {
    const auto piece = Span(bytes).subspan(offset, std::min<uint64_t>(part, bytes.size() - offset));
    if (!caps.parallel_parts && number != 1) continue;  // sent in order below
    Status sent = (*upload)->UploadPart(number, offset, piece);
    c.Expect(sent.ok(), "UploadPart " + std::to_string(number) + ": " + sent.ToString());
  }
  if (!caps.parallel_parts) {
    for (int number : {2, 3}) {
      const uint64_t offset = (number - 1) * part;
      const auto piece =
          Span(bytes).subspan(offset, std::min<uint64_t>(part, bytes.size() - offset));
      Status sent = (*upload)->UploadPart(number, offset, piece);
      c.Expect(sent.ok(), "UploadPart " + std::to_string(number) + ": " + sent.ToString());
    }
  }
  c.ExpectAbsent("multipart", "an upload is not visible before Commit");
  auto committed = (*upload)->Commit(3, bytes.size());
  c.Expect(committed.ok(), "Commit: " + committed.status().ToString());
  c.ExpectObject("multipart", bytes, "a committed multipart upload");
  c.Remove("multipart");

  auto aborted = c.store().StartUpload(c.Key("aborted"), {});
  if (!aborted.ok()) return;
  (void)(*aborted)->UploadPart(1, 0, Span(bytes).first(part));
  c.Expect((*aborted)->Abort().ok(), "Abort");
  c.ExpectAbsent("aborted", "nothing is visible after Abort");
}

void NoOverwrite(WriteChecker& c) {
  const StoreCapabilities caps = c.store().Capabilities();
  if (!caps.conditional_create) return;
  const std::string old_bytes = "the first version";
  c.Expect(c.store().Put(c.Key("once"), Span(old_bytes), {}).ok(), "Put of the first version");
  c.ExpectCode(c.store().Put(c.Key("once"), Span("other"), {.if_none_match = true}).status(),
               StatusCode::kAlreadyExists, "Put with if_none_match over an existing key");
  if (caps.max_parts != 1) {
    auto upload = c.store().StartUpload(c.Key("once"), {.if_none_match = true});
    if (upload.ok()) {
      const std::string part = RandomBytes(std::max<uint64_t>(caps.min_part_size, 1), 3);
      (void)(*upload)->UploadPart(1, 0, Span(part));
      c.ExpectCode((*upload)->Commit(1, part.size()).status(), StatusCode::kAlreadyExists,
                   "Commit with if_none_match over an existing key");
      (void)(*upload)->Abort();
    }
  }
  c.ExpectObject("once", old_bytes, "a refused no-overwrite write leaves the old bytes");
  auto fresh = c.store().Put(c.Key("fresh"), Span("new"), {.if_none_match = true});
  c.Expect(fresh.ok(), "Put with if_none_match of a new key: " + fresh.status().ToString());
  c.Remove("once");
  c.Remove("fresh");
}

void DeleteAndCopy(WriteChecker& c) {
  const StoreCapabilities caps = c.store().Capabilities();
  const std::string bytes = RandomBytes(5000, 11);
  c.Expect(c.store().Put(c.Key("source"), Span(bytes), {}).ok(), "Put of a copy source");
  if (caps.server_side_copy) {
    auto info = c.store().Stat(c.Key("source"));
    if (info.ok()) {
      auto copied =
          c.store().Copy(c.Key("source"), ReadConditions::PinnedTo(*info), c.Key("copy"), {});
      c.Expect(copied.ok(), "Copy: " + copied.status().ToString());
      c.ExpectObject("copy", bytes, "a server-side copy");
      ObjectInfo other = *info;
      other.etag = "\"not-the-etag-objectfs-saw\"";
      if (!other.version.empty()) other.version = "1";
      c.ExpectCode(c.store()
                       .Copy(c.Key("source"), ReadConditions::PinnedTo(other), c.Key("copy2"), {})
                       .status(),
                   StatusCode::kObjectChanged, "a copy pinned to another version of the source");
      c.Remove("copy");
    }
  }
  if (caps.remove) {
    c.Expect(c.store().Delete(c.Key("source")).ok(), "Delete");
    c.ExpectAbsent("source", "a deleted object is gone");
  }
}

void PendingUploads(WriteChecker& c) {
  if (!c.store().Capabilities().list_uploads) return;
  auto upload = c.store().StartUpload(c.Key("pending/left"), {});
  if (!upload.ok()) return c.Expect(false, "StartUpload: " + upload.status().ToString());
  const std::string id = (*upload)->id();
  auto listed = c.store().ListUploads(c.Key("pending/"));
  c.Expect(listed.ok(), "ListUploads: " + listed.status().ToString());
  if (listed.ok()) {
    const bool found = std::any_of(listed->begin(), listed->end(), [&](const PendingUpload& u) {
      return u.key == c.Key("pending/left") && u.upload_id == id;
    });
    c.Expect(found, "ListUploads shows a started upload with its id");
  }
  c.Expect(c.store().AbortUpload(c.Key("pending/left"), id).ok(), "AbortUpload");
  auto after = c.store().ListUploads(c.Key("pending/"));
  c.Expect(after.ok() && after->empty(), "no upload is left after AbortUpload");
}

}  // namespace

std::vector<std::string> RunWriteContract(ObjectStore& store, const std::string& prefix) {
  WriteChecker checker(store, prefix);
  Puts(checker);
  Multipart(checker);
  NoOverwrite(checker);
  DeleteAndCopy(checker);
  PendingUploads(checker);
  return std::move(checker.failures);
}

}  // namespace objectfs::contract
