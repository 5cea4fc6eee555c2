// embed URI: reads one object through the installed ObjectFS library and
// prints "size=N crc32=XXXXXXXX" (CRC-32 as zlib computes it), the library
// version it runs with on stderr. Credentials and endpoints come from the
// environment, as for the objectfs CLI.
#include <array>
#include <cstdint>
#include <cstdio>
#include <objectfs/objectfs.hpp>
#include <vector>

namespace {

// The reflected CRC-32 of zlib, gzip and PNG.
class Crc32 {
 public:
  Crc32() {
    for (uint32_t i = 0; i < table_.size(); ++i) {
      uint32_t c = i;
      for (int bit = 0; bit < 8; ++bit) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      table_[i] = c;
    }
  }
  void Update(std::span<const std::byte> bytes) {
    for (std::byte b : bytes) {
      crc_ = table_[(crc_ ^ static_cast<uint8_t>(b)) & 0xFFu] ^ (crc_ >> 8);
    }
  }
  uint32_t Value() const { return crc_ ^ 0xFFFFFFFFu; }

 private:
  std::array<uint32_t, 256> table_{};
  uint32_t crc_ = 0xFFFFFFFFu;
};

int Fail(const objectfs::Status& status) {
  std::fprintf(stderr, "embed: %s\n", status.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: embed URI\n");
    return 2;
  }
  std::fprintf(stderr, "embed: objectfs %s (compiled against %s)\n", objectfs::Version(),
               OBJECTFS_VERSION);
  auto client = objectfs::Client::Create();
  if (!client.ok()) return Fail(client.status());
  auto file = (*client)->Open(argv[1]);
  if (!file.ok()) return Fail(file.status());

  Crc32 crc;
  std::vector<std::byte> buffer(8 << 20);
  uint64_t offset = 0;
  while (offset < (*file)->Size()) {
    auto n = (*file)->PRead(offset, buffer);
    if (!n.ok()) return Fail(n.status());
    if (*n == 0) break;
    crc.Update(std::span(buffer).first(*n));
    offset += *n;
  }
  std::printf("size=%llu crc32=%08x\n", static_cast<unsigned long long>(offset), crc.Value());
  return offset == (*file)->Size() ? 0 : 1;
}
