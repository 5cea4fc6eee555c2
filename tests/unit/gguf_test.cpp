// The GGUF reader of the format planner: tensors in llama.cpp's load order,
// headers longer than the bytes at hand, and clear errors for what is wrong.
#include "prefetch/gguf.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <span>
#include <string>

#include "prefetch/tensor_ranges.hpp"
#include "unit/gguf_model.hpp"

using namespace objectfs;
using namespace objectfs::internal::prefetch;

namespace {

std::span<const std::byte> Bytes(const std::string& s, size_t length = std::string::npos) {
  return std::as_bytes(std::span(s)).first(std::min(length, s.size()));
}

struct TinyTensor {
  std::string name;
  uint64_t offset = 0;
  uint32_t dims = 1;
};

// A file of `tensors` (one 8-element dimension each) after `metadata`
// (already encoded entries), `data` bytes of data.
std::string Tiny(uint32_t version, const std::vector<TinyTensor>& tensors, uint64_t metadata_count,
                 const std::string& metadata, uint64_t data = 256) {
  std::string out = "GGUF";
  testing::PutLe(out, version, 4);
  testing::PutLe(out, tensors.size(), 8);
  testing::PutLe(out, metadata_count, 8);
  out += metadata;
  for (const auto& t : tensors) {
    testing::PutGgufString(out, t.name);
    testing::PutLe(out, t.dims, 4);
    for (uint32_t d = 0; d < t.dims; ++d) testing::PutLe(out, 8, 8);
    testing::PutLe(out, 0, 4);
    testing::PutLe(out, t.offset, 8);
  }
  out.resize((out.size() + 31) / 32 * 32 + data, '\0');
  return out;
}

std::string Message(const Result<safetensors::Header>& header) {
  REQUIRE_FALSE(header.ok());
  return header.status().message();
}

}  // namespace

TEST_CASE("gguf: the tensors tile the data, named for llama.cpp's load order", "[prefetch]") {
  const uint64_t alignment = GENERATE(32, 64);
  CAPTURE(alignment);
  const auto model = testing::MakeGguf(12, 1000, 50, alignment);
  auto header = GgufHeader(Bytes(model.bytes), model.bytes.size());
  REQUIRE(header.ok());
  CHECK(header->metadata.at("format") == "gguf");
  CHECK(header->data_offset == model.data_offset);
  CHECK(header->data_offset + header->data_size == model.bytes.size());
  REQUIRE(header->tensors.size() == model.load_order.size());
  // Each tensor runs to the next one, over the padding between them.
  for (size_t i = 0; i < header->tensors.size(); ++i) {
    const ByteRange range = TensorRange(*header, i);
    if (i + 1 < header->tensors.size()) CHECK(range.end() == TensorRange(*header, i + 1).offset);
    CHECK(range.length >= 1000);
    CHECK(range.length < 1000 + alignment);
  }
  // In name order the token embedding comes first, then the output tensors,
  // then the blocks layer by layer (blk.2 before blk.10), as llama.cpp loads
  // them, not in the file's order (blk.10 before blk.2).
  std::vector<uint64_t> by_name, loaded;
  for (size_t i : TensorOrder(*header, Order::kName)) {
    by_name.push_back(TensorRange(*header, i).offset);
  }
  for (const auto& t : model.load_order) loaded.push_back(t.offset);
  REQUIRE(by_name.size() == loaded.size());
  CHECK(by_name[0] == loaded[0]);
  CHECK(std::is_permutation(by_name.begin() + 1, by_name.begin() + 3, loaded.begin() + 1));
  CHECK(std::vector<uint64_t>(by_name.begin() + 3, by_name.end()) ==
        std::vector<uint64_t>(loaded.begin() + 3, loaded.end()));
  CHECK_FALSE(std::is_sorted(loaded.begin(), loaded.end()));  // the file's order is not it
}

TEST_CASE("gguf: a header longer than the bytes at hand asks for more", "[prefetch]") {
  const auto model = testing::MakeGguf(4, 100, 2000);  // a header of about 30 KiB
  REQUIRE(model.data_offset > 20'000);
  for (size_t length : {size_t(0), size_t(3), size_t(24), size_t(4096), size_t(20'000),
                        size_t(model.data_offset - 40)}) {
    CAPTURE(length);
    auto header = GgufHeader(Bytes(model.bytes, length), model.bytes.size());
    REQUIRE_FALSE(header.ok());
    CHECK(header.status().code() == StatusCode::kOutOfRange);
  }
  CHECK(GgufHeader(Bytes(model.bytes, model.data_offset), model.bytes.size()).ok());
}

TEST_CASE("gguf: what is not a planable GGUF file is named", "[prefetch]") {
  std::string alignment_48;
  testing::PutGgufString(alignment_48, "general.alignment");
  testing::PutLe(alignment_48, 4, 4);
  testing::PutLe(alignment_48, 48, 4);
  std::string unknown_type;
  testing::PutGgufString(unknown_type, "general.name");
  testing::PutLe(unknown_type, 13, 4);
  std::string nested;
  testing::PutGgufString(nested, "tokenizer.merges");
  testing::PutLe(nested, 9, 4);
  testing::PutLe(nested, 9, 4);
  testing::PutLe(nested, 1, 8);
  const auto error = [](const std::string& file) {
    return Message(GgufHeader(Bytes(file), file.size()));
  };
  std::string bad_magic = Tiny(3, {{"a", 0}}, 0, "");
  bad_magic[0] = 'g';
  CHECK_THAT(error(bad_magic), Catch::Contains("does not start with 'GGUF'"));
  CHECK_THAT(error(Tiny(1, {{"a", 0}}, 0, "")), Catch::Contains("version 1"));
  CHECK_THAT(error(Tiny(0x03000000, {{"a", 0}}, 0, "")), Catch::Contains("big-endian"));
  CHECK_THAT(error(Tiny(3, {{"a", 0}, {"b", 40}}, 0, "")),
             Catch::Contains("tensor 'b' at offset 40 is not aligned to 32"));
  CHECK_THAT(error(Tiny(3, {{"a", 0}, {"b", 0}}, 0, "")),
             Catch::Contains("tensors 'a' and 'b' start at the same offset"));
  CHECK_THAT(error(Tiny(3, {{"a", 0}, {"b", 512}}, 0, "")),
             Catch::Contains("tensor 'b' at offset 512 starts past the end of the data"));
  CHECK_THAT(error(Tiny(3, {{"a", 0, 5}}, 0, "")), Catch::Contains("tensor 'a' has 5 dimensions"));
  CHECK_THAT(error(Tiny(3, {{"a", 0}}, 1, alignment_48)),
             Catch::Contains("general.alignment 48 is not a power of two"));
  CHECK_THAT(error(Tiny(3, {{"a", 0}}, 1, unknown_type)),
             Catch::Contains("metadata 'general.name' has unknown type 13"));
  CHECK_THAT(error(Tiny(3, {{"a", 0}}, 1, nested)),
             Catch::Contains("metadata 'tokenizer.merges' is an array of type 9"));
  // Counts no file could hold are refused at once, not read on for.
  std::string huge = Tiny(3, {}, 0, "");
  huge[8] = '\xff';
  huge[15] = '\x7f';
  CHECK_THAT(error(huge), Catch::Contains("tensors"));
  // A long string value (a chat template) is fine; a long key is not.
  std::string template_100k;
  testing::PutGgufString(template_100k, "tokenizer.chat_template");
  testing::PutLe(template_100k, 8, 4);
  testing::PutGgufString(template_100k, std::string(100'000, 'x'));
  const std::string long_template = Tiny(3, {{"a", 0}}, 1, template_100k);
  CHECK(GgufHeader(Bytes(long_template), long_template.size()).ok());
  std::string long_key;
  testing::PutGgufString(long_key, std::string(100'000, 'k'));
  testing::PutLe(long_key, 4, 4);
  testing::PutLe(long_key, 1, 4);
  CHECK_THAT(error(Tiny(3, {{"a", 0}}, 1, long_key)), Catch::Contains("a name of 100000 bytes"));
  // A file with no tensors is no error: there is just nothing to plan.
  auto empty = GgufHeader(Bytes(Tiny(3, {}, 0, "")), Tiny(3, {}, 0, "").size());
  REQUIRE(empty.ok());
  CHECK(empty->tensors.empty());
}

TEST_CASE("gguf: the sort keys order layers by number, the embedding first", "[prefetch]") {
  CHECK(NaturalSortKey("blk.2.attn_q") < NaturalSortKey("blk.10.attn_q"));
  CHECK(NaturalSortKey("blk.10.ffn_up") < NaturalSortKey("blk.11.attn_norm"));
  CHECK(NaturalSortKey("output") == "output");
  CHECK(NaturalSortKey("x12y") == "x00000000000000000012y");
  CHECK(LoadOrderKey("token_embd.weight") < LoadOrderKey("output.weight"));
  CHECK(LoadOrderKey("output_norm.weight") < LoadOrderKey("blk.0.attn_norm.weight"));
  CHECK(LoadOrderKey("blk.9.ffn_up.weight") < LoadOrderKey("blk.10.attn_k.weight"));
}
