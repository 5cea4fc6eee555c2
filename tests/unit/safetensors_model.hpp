// A synthetic safetensors file for the prefetch tests: `count` U8 tensors of
// `tensor_size` bytes whose names ("t000", ...) are shuffled over the offsets,
// so name order is not byte order, and data bytes that depend on the offset
// and a version.
#pragma once

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdio>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "objectfs/safetensors.hpp"

namespace objectfs::testing {

inline std::byte DataByte(uint64_t offset, int version) {
  return std::byte(static_cast<uint8_t>((offset * 131 + offset / 977 + version * 29) & 0xff));
}

struct Model {
  std::string bytes;
  safetensors::Header header;
};

inline Model MakeModel(size_t count, uint64_t tensor_size, int version = 1, uint64_t seed = 7) {
  std::vector<size_t> slot(count);
  std::iota(slot.begin(), slot.end(), 0);
  std::shuffle(slot.begin(), slot.end(), std::mt19937_64(seed));
  std::string json = "{\"__metadata__\":{\"format\":\"pt\"}";
  for (size_t i = 0; i < count; ++i) {
    char name[32];  // room for any size_t: GCC checks the format's worst case
    std::snprintf(name, sizeof name, "t%03zu", i);
    // Odd sizes: tensors start inside cache blocks, as they do in real files.
    const uint64_t begin = slot[i] * tensor_size;
    json += ",\"" + std::string(name) + "\":{\"dtype\":\"U8\",\"shape\":[" +
            std::to_string(tensor_size) + "],\"data_offsets\":[" + std::to_string(begin) + "," +
            std::to_string(begin + tensor_size) + "]}";
  }
  json += "}";
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((json.size() >> (8 * i)) & 0xff);
  bytes += json;
  const uint64_t data_offset = bytes.size();
  bytes.resize(data_offset + count * tensor_size);
  for (uint64_t i = data_offset; i < bytes.size(); ++i) {
    bytes[i] = static_cast<char>(DataByte(i, version));
  }
  auto header = safetensors::ParseHeader(json, bytes.size());
  REQUIRE(header.ok());
  return {std::move(bytes), std::move(*header)};
}

}  // namespace objectfs::testing
