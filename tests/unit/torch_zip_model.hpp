// A synthetic torch.save checkpoint for the tests: a stored zip holding
// `<archive>/data.pkl`, `count` records `<archive>/data/<key>` of
// `record_size` bytes written in the byte order of their keys ("0", "1",
// "10", ...), as torch.save writes them, and `<archive>/version`. With
// `zip64`, the end records and every entry's offset take their zip64 forms.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "unit/safetensors_model.hpp"

namespace objectfs::testing {

struct Checkpoint {
  std::string bytes;
  std::vector<uint64_t> record_offset;  // key -> its local header's offset
};

inline void PutLe(std::string& out, uint64_t value, int width) {
  for (int i = 0; i < width; ++i) out += static_cast<char>((value >> (8 * i)) & 0xff);
}

inline Checkpoint MakeCheckpoint(size_t count, uint64_t record_size, bool zip64 = false) {
  struct Entry {
    std::string name;
    uint64_t offset;
    uint64_t size;
  };
  std::vector<std::string> keys;
  for (size_t k = 0; k < count; ++k) keys.push_back(std::to_string(k));
  std::sort(keys.begin(), keys.end());
  std::vector<std::pair<std::string, uint64_t>> files = {{"ck/data.pkl", 300}};
  for (const auto& key : keys) files.emplace_back("ck/data/" + key, record_size);
  files.emplace_back("ck/version", 2);

  Checkpoint out;
  out.record_offset.resize(count);
  std::vector<Entry> entries;
  for (const auto& [name, size] : files) {
    const uint64_t offset = out.bytes.size();
    if (name.starts_with("ck/data/")) out.record_offset[std::stoul(name.substr(8))] = offset;
    PutLe(out.bytes, 0x04034b50, 4);
    PutLe(out.bytes, 20, 2);  // version needed
    PutLe(out.bytes, 0, 2);   // flags
    PutLe(out.bytes, 0, 2);   // stored
    PutLe(out.bytes, 0, 4);   // time, date
    PutLe(out.bytes, 0, 4);   // crc32 (not checked by the planner)
    PutLe(out.bytes, size, 4);
    PutLe(out.bytes, size, 4);
    PutLe(out.bytes, name.size(), 2);
    PutLe(out.bytes, 0, 2);
    out.bytes += name;
    for (uint64_t i = 0; i < size; ++i) {
      out.bytes += static_cast<char>(DataByte(out.bytes.size(), 1));
    }
    entries.push_back({name, offset, size});
  }
  const uint64_t directory = out.bytes.size();
  for (const Entry& e : entries) {
    PutLe(out.bytes, 0x02014b50, 4);
    PutLe(out.bytes, 20, 2);
    PutLe(out.bytes, 20, 2);
    PutLe(out.bytes, 0, 2);
    PutLe(out.bytes, 0, 2);
    PutLe(out.bytes, 0, 4);
    PutLe(out.bytes, 0, 4);
    PutLe(out.bytes, e.size, 4);
    PutLe(out.bytes, e.size, 4);
    PutLe(out.bytes, e.name.size(), 2);
    PutLe(out.bytes, zip64 ? 12 : 0, 2);  // extra
    PutLe(out.bytes, 0, 2);               // comment
    PutLe(out.bytes, 0, 2);               // disk
    PutLe(out.bytes, 0, 2);
    PutLe(out.bytes, 0, 4);
    PutLe(out.bytes, zip64 ? 0xffffffff : e.offset, 4);
    out.bytes += e.name;
    if (zip64) {
      PutLe(out.bytes, 0x0001, 2);
      PutLe(out.bytes, 8, 2);
      PutLe(out.bytes, e.offset, 8);
    }
  }
  const uint64_t directory_size = out.bytes.size() - directory;
  if (zip64) {
    const uint64_t end64 = out.bytes.size();
    PutLe(out.bytes, 0x06064b50, 4);
    PutLe(out.bytes, 44, 8);
    PutLe(out.bytes, 45, 2);
    PutLe(out.bytes, 45, 2);
    PutLe(out.bytes, 0, 8);  // disks
    PutLe(out.bytes, entries.size(), 8);
    PutLe(out.bytes, entries.size(), 8);
    PutLe(out.bytes, directory_size, 8);
    PutLe(out.bytes, directory, 8);
    PutLe(out.bytes, 0x07064b50, 4);
    PutLe(out.bytes, 0, 4);
    PutLe(out.bytes, end64, 8);
    PutLe(out.bytes, 1, 4);
  }
  PutLe(out.bytes, 0x06054b50, 4);
  PutLe(out.bytes, 0, 4);  // disks
  PutLe(out.bytes, zip64 ? 0xffff : entries.size(), 2);
  PutLe(out.bytes, zip64 ? 0xffff : entries.size(), 2);
  PutLe(out.bytes, zip64 ? 0xffffffff : directory_size, 4);
  PutLe(out.bytes, zip64 ? 0xffffffff : directory, 4);
  PutLe(out.bytes, 0, 2);  // comment
  return out;
}

}  // namespace objectfs::testing
