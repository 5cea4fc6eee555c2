#include "contract/store_contract.hpp"

#include <algorithm>
#include <set>
#include <sstream>

namespace objectfs::contract {
namespace {

class Checker {
 public:
  Checker(ObjectStore& store, const Dataset& data) : store_(store), data_(data) {}

  void Expect(bool ok, const std::string& what) {
    if (!ok) failures_.push_back(store_.Describe() + ": " + what);
  }
  void ExpectCode(const Status& status, StatusCode code, const std::string& what) {
    Expect(status.code() == code,
           what + ": expected " + std::string(StatusCodeName(code)) + ", got " + status.ToString());
  }
  std::string Key(const std::string& relative) const { return data_.prefix + relative; }
  const std::string& Bytes(const std::string& relative) const { return data_.objects.at(relative); }

  // Reads [offset, offset + length) into a buffer of `length` bytes.
  Result<std::string> Read(const std::string& relative, uint64_t offset, uint64_t length,
                           const ReadConditions& pin) {
    std::string out(length, '\0');
    auto n = store_.Read(Key(relative), {offset, length},
                         std::span(reinterpret_cast<std::byte*>(out.data()), out.size()), pin);
    if (!n.ok()) return n.status();
    out.resize(*n);
    return out;
  }

  ObjectStore& store() { return store_; }
  std::vector<std::string> failures() && { return std::move(failures_); }

 private:
  ObjectStore& store_;
  const Dataset& data_;
  std::vector<std::string> failures_;
};

void StatAndWholeReads(Checker& c) {
  for (const char* relative : {"hello.txt", "dir/a.bin", "dir/c.txt", "dir/sub/b.bin"}) {
    const std::string& bytes = c.Bytes(relative);
    auto info = c.store().Stat(c.Key(relative));
    c.Expect(info.ok(), std::string("Stat ") + relative + ": " + info.status().ToString());
    if (!info.ok()) continue;
    c.Expect(info->size == bytes.size(), std::string("Stat ") + relative + ": size " +
                                             std::to_string(info->size) + ", expected " +
                                             std::to_string(bytes.size()));
    c.Expect(!info->etag.empty(), std::string("Stat ") + relative + ": no ETag");
    auto whole = c.Read(relative, 0, bytes.size(), ReadConditions::PinnedTo(*info));
    c.Expect(whole.ok() && *whole == bytes,
             std::string("pinned read of all of ") + relative + ": " +
                 (whole.ok() ? "wrong bytes" : whole.status().ToString()));
  }
}

void Ranges(Checker& c) {
  const std::string& bytes = c.Bytes("dir/a.bin");
  const uint64_t size = bytes.size();
  auto info = c.store().Stat(c.Key("dir/a.bin"));
  if (!info.ok()) return;  // reported by StatAndWholeReads
  const ReadConditions pin = ReadConditions::PinnedTo(*info);
  const std::pair<uint64_t, uint64_t> ranges[] = {{0, 1},        {1, 4096},       {65535, 65537},
                                                  {size - 1, 1}, {size - 10, 10}, {12345, 100000}};
  for (const auto& [offset, length] : ranges) {
    auto got = c.Read("dir/a.bin", offset, length, pin);
    c.Expect(got.ok() && *got == bytes.substr(offset, length),
             "range " + std::to_string(offset) + "+" + std::to_string(length) + ": " +
                 (got.ok() ? "wrong bytes" : got.status().ToString()));
  }
  auto across = c.Read("dir/a.bin", size - 5, 100, pin);
  c.Expect(
      across.ok() && *across == bytes.substr(size - 5),
      "a range across the end returns the bytes up to the end: " +
          (across.ok() ? std::to_string(across->size()) + " bytes" : across.status().ToString()));
  auto at_end = c.Read("dir/a.bin", size, 10, pin);
  c.Expect(
      at_end.ok() && at_end->empty(),
      "a read at exactly the end is empty: " +
          (at_end.ok() ? std::to_string(at_end->size()) + " bytes" : at_end.status().ToString()));
  c.ExpectCode(c.Read("dir/a.bin", size + 1, 10, pin).status(), StatusCode::kOutOfRange,
               "a read starting past the end");
  auto none = c.Read("dir/a.bin", 3, 0, pin);
  c.Expect(none.ok() && none->empty(), "a zero-length read returns 0 bytes");
}

void EmptyObject(Checker& c) {
  auto info = c.store().Stat(c.Key("empty"));
  c.Expect(info.ok() && info->size == 0,
           "Stat of the empty object: " +
               (info.ok() ? std::to_string(info->size) + " bytes" : info.status().ToString()));
  if (!info.ok()) return;
  auto got = c.Read("empty", 0, 16, ReadConditions::PinnedTo(*info));
  c.Expect(got.ok() && got->empty(),
           "reading the empty object gives 0 bytes: " +
               (got.ok() ? std::to_string(got->size()) + " bytes" : got.status().ToString()));
}

void Pinning(Checker& c) {
  auto info = c.store().Stat(c.Key("hello.txt"));
  if (!info.ok()) return;
  ObjectInfo other = *info;
  other.etag = "\"not-the-etag-objectfs-saw\"";
  if (!other.version.empty()) other.version = "1";
  c.ExpectCode(c.Read("hello.txt", 0, 5, ReadConditions::PinnedTo(other)).status(),
               StatusCode::kObjectChanged, "a read pinned to another version");
}

void Missing(Checker& c) {
  const std::string key = c.Key("contract-missing/no-such-key");
  auto info = c.store().Stat(key);
  c.ExpectCode(info.status(), StatusCode::kNotFound, "Stat of a missing key");
  c.Expect(info.status().message().find("no-such-key") != std::string::npos,
           "the not-found error names the key: " + info.status().message());
  c.ExpectCode(c.Read("contract-missing/no-such-key", 0, 4, {}).status(), StatusCode::kNotFound,
               "reading a missing key");
}

// A store that says its listing pins (Client::OpenListed then sends no HEAD)
// spells each entry's ETag and version as Stat does, and a read pinned to the
// entry succeeds.
void ListingPins(Checker& c, const ObjectInfo& listed) {
  if (!c.store().Capabilities().listing_pins) return;
  auto info = c.store().Stat(listed.key);
  c.Expect(info.ok(), "Stat " + listed.key + ": " + info.status().ToString());
  if (!info.ok()) return;
  c.Expect(
      listed.etag == info->etag && listed.version == info->version && listed.size == info->size,
      "listing_pins: the listing's entry of " + listed.key + " (ETag " + listed.etag +
          ", version '" + listed.version + "') is not Stat's (ETag " + info->etag + ", version '" +
          info->version + "')");
  const std::string relative = listed.key.substr(c.Key("").size());
  auto whole = c.Read(relative, 0, listed.size, ReadConditions::PinnedTo(listed));
  c.Expect(whole.ok() && *whole == c.Bytes(relative),
           "a read pinned to the listing's entry of " + relative + ": " +
               (whole.ok() ? "wrong bytes" : whole.status().ToString()));
}

void Listing(Checker& c) {
  if (!c.store().Capabilities().list) {
    ListRequest request{c.Key("dir/"), "/", "", 1000};
    c.Expect(!c.store().List(request).ok(), "a store without listing fails List");
    return;
  }
  ListRequest one_level{c.Key("dir/"), "/", "", 1000};
  auto page = c.store().List(one_level);
  c.Expect(page.ok(), "List dir/ one level: " + page.status().ToString());
  if (page.ok()) {
    std::set<std::string> keys,
        prefixes(page->common_prefixes.begin(), page->common_prefixes.end());
    for (const auto& object : page->objects) keys.insert(object.key);
    c.Expect(keys == std::set<std::string>{c.Key("dir/a.bin"), c.Key("dir/c.txt")},
             "List dir/ one level: the objects directly under it");
    c.Expect(prefixes == std::set<std::string>{c.Key("dir/sub/")},
             "List dir/ one level: dir/sub/ as a common prefix");
    for (const auto& object : page->objects) {
      const std::string relative = object.key.substr(c.Key("").size());
      c.Expect(object.size == c.Bytes(relative).size(), "List: the size of " + relative);
      ListingPins(c, object);
    }
  }
  // Recursive, two keys a page: every page token leads on, none repeats.
  std::set<std::string> all;
  ListRequest paged{c.Key("dir/"), "", "", 2};
  for (int pages = 0; pages < 10; ++pages) {
    auto next = c.store().List(paged);
    c.Expect(next.ok(), "List dir/ recursively in pages: " + next.status().ToString());
    if (!next.ok()) break;
    for (const auto& object : next->objects) {
      c.Expect(all.insert(object.key).second, "a key listed twice: " + object.key);
    }
    if (next->next_page_token.empty()) break;
    paged.page_token = next->next_page_token;
  }
  c.Expect(
      all == std::set<std::string>{c.Key("dir/a.bin"), c.Key("dir/c.txt"), c.Key("dir/sub/b.bin")},
      "List dir/ recursively in pages of 2: every key once (" + std::to_string(all.size()) +
          " keys)");
}

}  // namespace

std::vector<std::string> RunStoreContract(ObjectStore& store, const Dataset& data) {
  Checker checker(store, data);
  for (const char* key : {"hello.txt", "empty", "dir/a.bin", "dir/c.txt", "dir/sub/b.bin"}) {
    if (!data.objects.contains(key)) {
      checker.Expect(false, std::string("the dataset lacks ") + key);
      return std::move(checker).failures();
    }
  }
  StatAndWholeReads(checker);
  Ranges(checker);
  EmptyObject(checker);
  Pinning(checker);
  Missing(checker);
  Listing(checker);
  std::vector<std::string> failures = std::move(checker).failures();
  if (store.Capabilities().write) {
    for (auto& failure : RunWriteContract(store, data.prefix)) failures.push_back(failure);
  }
  return failures;
}

}  // namespace objectfs::contract
