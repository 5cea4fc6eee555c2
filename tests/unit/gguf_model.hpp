// A synthetic GGUF file for the tests, laid out as converters write one: a
// token embedding, the output tensors and `layers` blocks of four tensors,
// written in the byte order of their names ("blk.0", "blk.1", "blk.10", ...)
// after metadata that holds a `vocabulary`-token tokenizer (the bulk of a
// real header), aligned to `alignment`.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "unit/safetensors_model.hpp"
#include "unit/torch_zip_model.hpp"

namespace objectfs::testing {

struct GgufTensor {
  std::string name;
  uint64_t offset = 0;  // absolute, in the file
  uint64_t size = 0;
};

struct GgufModel {
  std::string bytes;
  uint64_t data_offset = 0;
  // llama.cpp's: token_embd, output_norm, output, then the blocks in numeric order
  std::vector<GgufTensor> load_order;
};

inline void PutGgufString(std::string& out, const std::string& s) {
  PutLe(out, s.size(), 8);
  out += s;
}

inline GgufModel MakeGguf(size_t layers, uint64_t tensor_size, size_t vocabulary = 1000,
                          uint64_t alignment = 32) {
  GgufModel model;
  std::vector<std::string> names = {"token_embd.weight", "output_norm.weight", "output.weight"};
  for (size_t l = 0; l < layers; ++l) {
    for (const char* part : {"attn_norm", "attn_q", "ffn_down", "ffn_up"}) {
      names.push_back("blk." + std::to_string(l) + "." + part + ".weight");
    }
  }
  std::vector<std::string> file_order = names;
  std::sort(file_order.begin(), file_order.end());

  std::string& out = model.bytes;
  out = "GGUF";
  PutLe(out, 3, 4);
  PutLe(out, names.size(), 8);
  PutLe(out, 3, 8);  // metadata entries
  PutGgufString(out, "general.architecture");
  PutLe(out, 8, 4);
  PutGgufString(out, "llama");
  PutGgufString(out, "general.alignment");
  PutLe(out, 4, 4);
  PutLe(out, alignment, 4);
  PutGgufString(out, "tokenizer.ggml.tokens");
  PutLe(out, 9, 4);
  PutLe(out, 8, 4);
  PutLe(out, vocabulary, 8);
  for (size_t t = 0; t < vocabulary; ++t) PutGgufString(out, "token" + std::to_string(t));
  const auto padded = [&](uint64_t n) { return (n + alignment - 1) / alignment * alignment; };
  uint64_t offset = 0;
  std::vector<GgufTensor> tensors;
  for (const auto& name : file_order) {
    PutGgufString(out, name);
    PutLe(out, 2, 4);  // dims
    PutLe(out, tensor_size, 8);
    PutLe(out, 1, 8);
    PutLe(out, 0, 4);  // F32 (the planner takes sizes from the offsets)
    PutLe(out, offset, 8);
    tensors.push_back({name, offset, tensor_size});
    offset = padded(offset + tensor_size);
  }
  model.data_offset = padded(out.size());
  out.resize(model.data_offset, '\0');
  for (auto& tensor : tensors) {
    tensor.offset += model.data_offset;
    out.resize(tensor.offset, '\0');
    for (uint64_t i = 0; i < tensor.size; ++i) {
      out += static_cast<char>(DataByte(out.size(), 1));
    }
  }
  for (const auto& name : names) {
    model.load_order.push_back(*std::find_if(tensors.begin(), tensors.end(),
                                             [&](const GgufTensor& t) { return t.name == name; }));
  }
  return model;
}

}  // namespace objectfs::testing
