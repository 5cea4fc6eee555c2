// The torch.save zip reader of the format planner: its records in the order
// torch.load reads them, zip64, and clear errors for what is not a checkpoint.
#include "prefetch/torch_zip.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <span>
#include <string>

#include "prefetch/tensor_ranges.hpp"
#include "unit/torch_zip_model.hpp"

using namespace objectfs;
using namespace objectfs::internal::prefetch;

namespace {

std::span<const std::byte> Bytes(const std::string& s, size_t from = 0) {
  return std::as_bytes(std::span(s)).subspan(from);
}

Result<safetensors::Header> HeaderOf(const std::string& file, size_t tail) {
  tail = std::min(tail, file.size());
  auto where = FindZipDirectory(Bytes(file, file.size() - tail), file.size());
  if (!where.ok()) return where.status();
  return TorchZipHeader(Bytes(file).subspan(where->offset, where->size), *where, file.size());
}

}  // namespace

TEST_CASE("torch zip: the records in torch.load's order, tiling the data", "[prefetch]") {
  const bool zip64 = GENERATE(false, true);
  CAPTURE(zip64);
  const auto ck = testing::MakeCheckpoint(23, 1000, zip64);
  auto header = HeaderOf(ck.bytes, 4096);
  REQUIRE(header.ok());
  REQUIRE(header->tensors.size() == 23);
  // Name order is the keys' numeric order: record k is the k-th by name.
  const auto names = TensorOrder(*header, Order::kName);
  for (size_t k = 0; k < names.size(); ++k) {
    CHECK(TensorRange(*header, names[k]).offset == ck.record_offset[k]);
  }
  // In the file, "10" comes before "2"; each record runs to the next one,
  // the last to the version entry.
  CHECK(header->data_offset == ck.record_offset[0]);
  const ByteRange last = TensorRange(*header, header->tensors.size() - 1);
  CHECK(last.offset == ck.record_offset[9]);
  CHECK(last.end() == ck.bytes.find("ck/version") - 30);
  for (size_t i = 1; i < header->tensors.size(); ++i) {
    CHECK(header->tensors[i].begin == header->tensors[i - 1].end);
  }
}

TEST_CASE("torch zip: what is not a checkpoint is a clear error", "[prefetch]") {
  const auto ck = testing::MakeCheckpoint(5, 100);
  SECTION("no end record") {
    const std::string cut = ck.bytes.substr(0, ck.bytes.size() - 10);
    auto where = FindZipDirectory(Bytes(cut, cut.size() - 100), cut.size());
    REQUIRE_FALSE(where.ok());
    CHECK_THAT(where.status().message(), Catch::Contains("end of central directory"));
  }
  SECTION("a directory past the end") {
    std::string bad = ck.bytes;
    bad[bad.size() - 3] = '\x7f';  // the directory offset's high byte
    auto where = FindZipDirectory(Bytes(bad, bad.size() - 100), bad.size());
    REQUIRE_FALSE(where.ok());
    CHECK_THAT(where.status().message(), Catch::Contains("runs past the end of the file"));
  }
  SECTION("a compressed record") {
    std::string bad = ck.bytes;
    const size_t entry = bad.find("ck/data/0", bad.find("PK\x01\x02")) - 46;
    bad[entry + 10] = 8;  // deflate
    auto header = HeaderOf(bad, 4096);
    REQUIRE_FALSE(header.ok());
    CHECK_THAT(header.status().message(), Catch::Contains("'ck/data/0' is compressed"));
  }
  SECTION("a zip without data records") {
    std::string other = ck.bytes;
    for (size_t at = 0; (at = other.find("ck/data/", at)) != std::string::npos;)
      other[at + 3] = 'x';
    auto header = HeaderOf(other, 4096);
    REQUIRE_FALSE(header.ok());
    CHECK_THAT(header.status().message(), Catch::Contains("not a torch.save checkpoint"));
  }
  SECTION("a damaged directory entry") {
    std::string bad = ck.bytes;
    bad[bad.find("PK\x01\x02") + 1] = 'X';
    auto header = HeaderOf(bad, 4096);
    REQUIRE_FALSE(header.ok());
    CHECK_THAT(header.status().message(), Catch::Contains("entry 0 is damaged"));
  }
  CHECK(IsTorchCheckpointName("pytorch_model.bin"));
  CHECK(IsTorchCheckpointName("ckpt/epoch3.pt"));
  CHECK_FALSE(IsTorchCheckpointName("model.safetensors"));
}
