#include <catch2/catch.hpp>
#include <string>

#include "objectfs/safetensors.hpp"

namespace st = objectfs::safetensors;
using objectfs::StatusCode;

namespace {

// Parses `json` as the header of a file whose data region has `data_size` bytes.
objectfs::Result<st::Header> Parse(const std::string& json, uint64_t data_size) {
  return st::ParseHeader(json, 8 + json.size() + data_size);
}

std::string ErrorOf(const std::string& json, uint64_t data_size) {
  auto header = Parse(json, data_size);
  REQUIRE_FALSE(header.ok());
  CHECK(header.status().code() == StatusCode::kInvalidArgument);
  return header.status().message();
}

}  // namespace

TEST_CASE("safetensors: a valid header lists tensors by offset", "[safetensors]") {
  auto header = Parse(R"({"b":{"dtype":"BF16","shape":[2,3],"data_offsets":[4,16]},)"
                      R"("a":{"dtype":"F32","shape":[],"data_offsets":[0,4]},)"
                      R"("e":{"dtype":"I64","shape":[0,5],"data_offsets":[16,16]},)"
                      R"("__metadata__":{"format":"pt"}}   )",
                      16);
  REQUIRE(header.ok());
  REQUIRE(header->tensors.size() == 3);
  CHECK(header->tensors[0].name == "a");
  CHECK(header->tensors[0].shape.empty());
  CHECK(header->tensors[1].name == "b");
  CHECK(header->tensors[1].dtype == st::DType::kBF16);
  CHECK(header->tensors[2].name == "e");
  CHECK(header->tensors[2].byte_size() == 0);
  CHECK(header->metadata.at("format") == "pt");
  CHECK(header->data_size == 16);
}

TEST_CASE("safetensors: header length checks", "[safetensors]") {
  std::byte first8[8] = {};
  first8[0] = std::byte{16};
  CHECK(*st::ParseHeaderLength(first8, 24) == 16);
  CHECK(st::ParseHeaderLength(first8, 23).status().message().find("past the end") !=
        std::string::npos);
  CHECK(st::ParseHeaderLength(first8, 7).status().message().find("fewer than") !=
        std::string::npos);
  const uint64_t huge = st::kMaxHeaderSize + 1;
  for (int i = 0; i < 8; ++i) first8[i] = std::byte((huge >> (8 * i)) & 0xff);
  CHECK(st::ParseHeaderLength(first8, 1ull << 40).status().message().find("exceeds the limit") !=
        std::string::npos);
}

TEST_CASE("safetensors: malformed headers are refused with a reason", "[safetensors]") {
  CHECK(ErrorOf(R"( {})", 0).find("does not start with '{'") != std::string::npos);
  CHECK(ErrorOf(R"({"a":)", 0).find("malformed JSON") != std::string::npos);
  CHECK(ErrorOf(R"({"a":{"dtype":"Q7","shape":[],"data_offsets":[0,1]}})", 1)
            .find("unknown dtype 'Q7'") != std::string::npos);
  CHECK(ErrorOf(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8)
            .find("needs 12 bytes") != std::string::npos);
  CHECK(ErrorOf(R"({"a":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,0]}})", 0)
            .find("overflows") != std::string::npos);
  CHECK(ErrorOf(R"({"a":{"dtype":"U8","shape":[-1],"data_offsets":[0,0]}})", 0)
            .find("non-negative integers") != std::string::npos);
  CHECK(ErrorOf(R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},)"
                R"("b":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}})",
                6)
            .find("overlap tensor 'a'") != std::string::npos);
  CHECK(ErrorOf(R"({"b":{"dtype":"U8","shape":[2],"data_offsets":[6,8]},)"
                R"("a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}})",
                8)
            .find("bytes [4, 6) of the data region belong to no tensor") != std::string::npos);
  CHECK(ErrorOf(R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}})", 2)
            .find("run past the end of the data region") != std::string::npos);
  CHECK(ErrorOf(R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}})", 6)
            .find("must end at the object's end") != std::string::npos);
  CHECK(ErrorOf(R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},)"
                R"("a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}})",
                2)
            .find("duplicate key 'a'") != std::string::npos);
  CHECK(ErrorOf(R"({"__metadata__":{"n":1}})", 0).find("not a string") != std::string::npos);
  CHECK(ErrorOf(R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[2,1]}})", 2)
            .find("end before they begin") != std::string::npos);
  CHECK(ErrorOf(R"({"a":[1]})", 0).find("must be an object") != std::string::npos);
}
