#include "prefetch/torch_zip.hpp"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "prefetch/little_endian.hpp"

namespace objectfs::internal::prefetch {
namespace {

constexpr uint32_t kEndSignature = 0x06054b50;           // end of central directory
constexpr uint32_t kZip64LocatorSignature = 0x07064b50;  // zip64 end locator
constexpr uint32_t kZip64EndSignature = 0x06064b50;      // zip64 end of central directory
constexpr uint32_t kEntrySignature = 0x02014b50;         // central directory file header
constexpr size_t kEndSize = 22, kLocatorSize = 20, kZip64EndSize = 56, kEntrySize = 46;
constexpr uint64_t kMaxRecords = 1'000'000;

Status Invalid(const std::string& what) { return InvalidArgument("checkpoint zip: " + what); }

// The key of `<archive>/data/<digits>`, or -1.
int64_t RecordKey(std::string_view name) {
  const size_t slash = name.find('/');
  if (slash == std::string_view::npos || slash == 0) return -1;
  std::string_view rest = name.substr(slash + 1);
  if (!rest.starts_with("data/")) return -1;
  rest.remove_prefix(5);
  if (rest.empty() || rest.size() > 18) return -1;
  int64_t key = 0;
  for (char c : rest) {
    if (c < '0' || c > '9') return -1;
    key = key * 10 + (c - '0');
  }
  return key;
}

struct Entry {
  uint64_t local_offset = 0;
  uint64_t size = 0;  // stored: compressed == uncompressed
  int64_t key = -1;   // -1: not a data record
};

}  // namespace

bool IsTorchCheckpointName(std::string_view key) {
  for (std::string_view suffix : {".pt", ".pth", ".bin", ".ckpt"}) {
    if (key.ends_with(suffix)) return true;
  }
  return false;
}

Result<ZipDirectory> FindZipDirectory(std::span<const std::byte> tail, uint64_t file_size) {
  if (tail.size() < kEndSize || tail.size() > file_size) return Invalid("the file ends too soon");
  // The end record is the last thing in the file but for a comment (up to 64 KiB).
  const uint64_t base = file_size - tail.size();  // file offset of tail[0]
  size_t at = tail.size() - kEndSize + 1;
  do {
    --at;
    if (Le(tail, at, 4) == kEndSignature && at + kEndSize + Le(tail, at + 20, 2) == tail.size()) {
      break;
    }
  } while (at > 0 && tail.size() - at < kEndSize + 0xffff);
  if (Le(tail, at, 4) != kEndSignature) return Invalid("no end of central directory record");
  ZipDirectory dir{Le(tail, at + 16, 4), Le(tail, at + 12, 4), Le(tail, at + 10, 2)};
  if (dir.offset == 0xffffffff || dir.size == 0xffffffff || dir.entries == 0xffff) {
    if (at < kLocatorSize || Le(tail, at - kLocatorSize, 4) != kZip64LocatorSignature) {
      return Invalid("zip64 sizes without a zip64 end locator");
    }
    const uint64_t end64 = Le(tail, at - kLocatorSize + 8, 8);
    if (end64 < base || end64 - base + kZip64EndSize > tail.size() ||
        Le(tail, end64 - base, 4) != kZip64EndSignature) {
      return Invalid("the zip64 end record is not in the file's last bytes");
    }
    const size_t z = end64 - base;
    dir = {Le(tail, z + 48, 8), Le(tail, z + 40, 8), Le(tail, z + 32, 8)};
  }
  if (dir.offset > file_size || dir.size > file_size - dir.offset) {
    return Invalid("the central directory (" + std::to_string(dir.size) + " bytes at " +
                   std::to_string(dir.offset) + ") runs past the end of the file (" +
                   std::to_string(file_size) + " bytes)");
  }
  if (dir.entries > kMaxRecords) return Invalid(std::to_string(dir.entries) + " entries");
  return dir;
}

Result<safetensors::Header> TorchZipHeader(std::span<const std::byte> directory,
                                           const ZipDirectory& where, uint64_t file_size) {
  if (directory.size() != where.size) return Invalid("the central directory was read short");
  std::vector<Entry> entries;
  size_t at = 0;
  for (uint64_t i = 0; i < where.entries; ++i) {
    if (at + kEntrySize > directory.size() || Le(directory, at, 4) != kEntrySignature) {
      return Invalid("central directory entry " + std::to_string(i) + " is damaged");
    }
    const size_t name_length = Le(directory, at + 28, 2), extra_length = Le(directory, at + 30, 2);
    const size_t next = at + kEntrySize + name_length + extra_length + Le(directory, at + 32, 2);
    if (next > directory.size())
      return Invalid("entry " + std::to_string(i) + " runs past the directory");
    const std::string_view name(reinterpret_cast<const char*>(directory.data()) + at + kEntrySize,
                                name_length);
    Entry entry{Le(directory, at + 42, 4), Le(directory, at + 20, 4), RecordKey(name)};
    // zip64 extra field: 8-byte values for the fields saturated above, in order.
    std::vector<uint64_t*> wide;
    const uint64_t uncompressed = Le(directory, at + 24, 4);
    if (uncompressed == 0xffffffff) wide.push_back(nullptr);
    if (entry.size == 0xffffffff) wide.push_back(&entry.size);
    if (entry.local_offset == 0xffffffff) wide.push_back(&entry.local_offset);
    for (size_t e = at + kEntrySize + name_length;
         !wide.empty() && e + 4 <= at + kEntrySize + name_length + extra_length;) {
      const uint64_t id = Le(directory, e, 2), length = Le(directory, e + 2, 2);
      if (id == 0x0001 && e + 4 + 8 * wide.size() <= e + 4 + length) {
        for (size_t w = 0; w < wide.size(); ++w) {
          if (wide[w] != nullptr) *wide[w] = Le(directory, e + 4 + 8 * w, 8);
        }
        wide.clear();
        break;
      }
      e += 4 + length;
    }
    if (!wide.empty()) return Invalid("entry " + std::to_string(i) + " lacks its zip64 sizes");
    if (entry.key >= 0 && Le(directory, at + 10, 2) != 0) {
      return Invalid("record '" + std::string(name) + "' is compressed");
    }
    if (entry.local_offset >= where.offset) {
      return Invalid("entry " + std::to_string(i) + " starts inside the central directory");
    }
    entries.push_back(entry);
    at = next;
  }
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.local_offset < b.local_offset; });
  safetensors::Header header;
  header.metadata["format"] = "torch.save zip";
  for (size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].key < 0) continue;
    // A record runs to the next data record (over any other entry between),
    // the last one to the next entry of any kind.
    uint64_t end = where.offset;
    for (size_t j = i + 1; j < entries.size(); ++j) {
      if (entries[j].key >= 0 || end == where.offset) end = entries[j].local_offset;
      if (entries[j].key >= 0) break;
    }
    if (end - entries[i].local_offset < entries[i].size) {
      return Invalid("record data/" + std::to_string(entries[i].key) + " (" +
                     std::to_string(entries[i].size) + " bytes) overlaps the next entry");
    }
    if (header.tensors.empty()) header.data_offset = entries[i].local_offset;
    char name[24];
    std::snprintf(name, sizeof name, "%020lld", static_cast<long long>(entries[i].key));
    safetensors::TensorInfo tensor;
    tensor.name = name;
    tensor.begin = entries[i].local_offset - header.data_offset;
    tensor.end = end - header.data_offset;
    tensor.shape = {tensor.end - tensor.begin};
    header.tensors.push_back(std::move(tensor));
  }
  if (header.tensors.empty()) return Invalid("no data/<key> records: not a torch.save checkpoint");
  header.data_size = header.tensors.back().end;
  if (header.data_offset + header.data_size > file_size) return Invalid("records past the end");
  return header;
}

}  // namespace objectfs::internal::prefetch
