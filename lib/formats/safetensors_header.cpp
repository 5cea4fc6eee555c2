// Strict parsing of safetensors headers: every malformed case is a clear
// kInvalidArgument, never a crash or a tensor that points at the wrong bytes.
#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "objectfs/safetensors.hpp"

namespace objectfs::safetensors {
namespace {

using Json = nlohmann::json;

struct DTypeEntry {
  DType dtype;
  std::string_view name;
  size_t size;
};

constexpr std::array kDTypes = {
    DTypeEntry{DType::kBool, "BOOL", 1},      DTypeEntry{DType::kU8, "U8", 1},
    DTypeEntry{DType::kI8, "I8", 1},          DTypeEntry{DType::kF8E4M3, "F8_E4M3", 1},
    DTypeEntry{DType::kF8E5M2, "F8_E5M2", 1}, DTypeEntry{DType::kF8E8M0, "F8_E8M0", 1},
    DTypeEntry{DType::kI16, "I16", 2},        DTypeEntry{DType::kU16, "U16", 2},
    DTypeEntry{DType::kF16, "F16", 2},        DTypeEntry{DType::kBF16, "BF16", 2},
    DTypeEntry{DType::kI32, "I32", 4},        DTypeEntry{DType::kU32, "U32", 4},
    DTypeEntry{DType::kF32, "F32", 4},        DTypeEntry{DType::kC64, "C64", 8},
    DTypeEntry{DType::kF64, "F64", 8},        DTypeEntry{DType::kI64, "I64", 8},
    DTypeEntry{DType::kU64, "U64", 8},
};

const DTypeEntry& EntryOf(DType dtype) {
  for (const auto& entry : kDTypes) {
    if (entry.dtype == dtype) return entry;
  }
  return kDTypes[0];  // unreachable: every enumerator is in the table
}

Status Invalid(std::string message) {
  return InvalidArgument("invalid safetensors header: " + std::move(message));
}

std::string Quoted(std::string_view name) { return "'" + std::string(name) + "'"; }

std::string Range(uint64_t begin, uint64_t end) {
  return "[" + std::to_string(begin) + ", " + std::to_string(end) + "]";
}

std::string ShapeText(const std::vector<uint64_t>& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

// nlohmann keeps the last of duplicate keys silently; this records the first
// duplicate at any depth so the header can be refused instead.
class DuplicateKeyFinder {
 public:
  bool operator()(int /*depth*/, Json::parse_event_t event, Json& parsed) {
    if (event == Json::parse_event_t::object_start) {
      open_objects_.emplace_back();
    } else if (event == Json::parse_event_t::object_end) {
      open_objects_.pop_back();
    } else if (event == Json::parse_event_t::key && !open_objects_.empty()) {
      const auto& key = parsed.get_ref<const std::string&>();
      if (!open_objects_.back().insert(key).second && duplicate_.empty()) duplicate_ = key;
    }
    return true;
  }
  const std::string& duplicate() const { return duplicate_; }

 private:
  std::vector<std::set<std::string>> open_objects_;
  std::string duplicate_;
};

Result<std::map<std::string, std::string>> ParseMetadata(const Json& value) {
  if (!value.is_object()) return Invalid("__metadata__ must be an object of strings");
  std::map<std::string, std::string> metadata;
  for (const auto& [key, item] : value.items()) {
    if (!item.is_string()) {
      return Invalid("__metadata__ value of " + Quoted(key) + " is " + item.type_name() +
                     ", not a string");
    }
    metadata.emplace(key, item.get<std::string>());
  }
  return metadata;
}

Result<uint64_t> UnsignedAt(const Json& array, size_t index, const std::string& what) {
  const Json& item = array[index];
  if (!item.is_number_unsigned()) {
    return Invalid(what + " must hold non-negative integers, found " + item.dump());
  }
  return item.get<uint64_t>();
}

Result<TensorInfo> ParseTensor(const std::string& name, const Json& value) {
  const std::string what = "tensor " + Quoted(name);
  if (!value.is_object()) return Invalid(what + " must be an object, found " + value.type_name());
  TensorInfo tensor;
  tensor.name = name;

  const auto dtype = value.find("dtype");
  if (dtype == value.end() || !dtype->is_string()) return Invalid(what + " needs a string dtype");
  auto parsed_dtype = ParseDType(dtype->get_ref<const std::string&>());
  if (!parsed_dtype.ok()) return Invalid(what + ": " + parsed_dtype.status().message());
  tensor.dtype = *parsed_dtype;

  const auto shape = value.find("shape");
  if (shape == value.end() || !shape->is_array()) return Invalid(what + " needs a shape array");
  for (size_t i = 0; i < shape->size(); ++i) {
    OBJECTFS_ASSIGN_OR_RETURN(uint64_t dim, UnsignedAt(*shape, i, what + " shape"));
    tensor.shape.push_back(dim);
  }

  const auto offsets = value.find("data_offsets");
  if (offsets == value.end() || !offsets->is_array() || offsets->size() != 2) {
    return Invalid(what + " needs data_offsets [BEGIN, END]");
  }
  OBJECTFS_ASSIGN_OR_RETURN(tensor.begin, UnsignedAt(*offsets, 0, what + " data_offsets"));
  OBJECTFS_ASSIGN_OR_RETURN(tensor.end, UnsignedAt(*offsets, 1, what + " data_offsets"));
  if (tensor.end < tensor.begin) {
    return Invalid(what + " data_offsets " + Range(tensor.begin, tensor.end) +
                   " end before they begin");
  }

  // Elements times element size, refusing any product that overflows 64 bits.
  uint64_t bytes = DTypeSize(tensor.dtype);
  bool overflow = false;
  for (uint64_t dim : tensor.shape)
    overflow = overflow || __builtin_mul_overflow(bytes, dim, &bytes);
  if (overflow) {
    return Invalid(what + " shape " + ShapeText(tensor.shape) + " of " +
                   std::string(DTypeName(tensor.dtype)) + " overflows 64-bit byte counts");
  }
  if (bytes != tensor.byte_size()) {
    return Invalid(what + " shape " + ShapeText(tensor.shape) + " of " +
                   std::string(DTypeName(tensor.dtype)) + " needs " + std::to_string(bytes) +
                   " bytes but data_offsets " + Range(tensor.begin, tensor.end) + " hold " +
                   std::to_string(tensor.byte_size()));
  }
  return tensor;
}

// The tensors, sorted by offset, must tile [0, data_size) exactly.
Status CheckTiling(const std::vector<TensorInfo>& tensors, uint64_t data_size) {
  uint64_t covered = 0;
  const TensorInfo* previous = nullptr;
  for (const TensorInfo& tensor : tensors) {
    const std::string what =
        "tensor " + Quoted(tensor.name) + " data_offsets " + Range(tensor.begin, tensor.end);
    if (tensor.end > data_size) {
      return Invalid(what + " run past the end of the data region (" + std::to_string(data_size) +
                     " bytes)");
    }
    if (tensor.begin < covered) {
      return Invalid(what + " overlap tensor " + Quoted(previous->name) + " " +
                     Range(previous->begin, previous->end));
    }
    if (tensor.begin > covered) {
      return Invalid("bytes [" + std::to_string(covered) + ", " + std::to_string(tensor.begin) +
                     ") of the data region belong to no tensor (a hole before " + what + ")");
    }
    covered = tensor.end;
    previous = &tensor;
  }
  if (covered != data_size) {
    return Invalid("the tensors end at byte " + std::to_string(covered) +
                   " of the data region, but the object has " + std::to_string(data_size) +
                   " bytes after the header (the data region must end at the object's end)");
  }
  return Status::Ok();
}

}  // namespace

std::string_view DTypeName(DType dtype) { return EntryOf(dtype).name; }
size_t DTypeSize(DType dtype) { return EntryOf(dtype).size; }

Result<DType> ParseDType(std::string_view name) {
  for (const auto& entry : kDTypes) {
    if (entry.name == name) return entry.dtype;
  }
  return InvalidArgument("unknown dtype " + Quoted(name));
}

Result<uint64_t> ParseHeaderLength(std::span<const std::byte> first8, uint64_t file_size) {
  if (file_size < 8 || first8.size() < 8) {
    return Invalid("the object has " + std::to_string(file_size) +
                   " bytes, fewer than the 8-byte header length");
  }
  uint64_t length = 0;
  for (int i = 7; i >= 0; --i) length = (length << 8) | std::to_integer<uint64_t>(first8[i]);
  if (length > kMaxHeaderSize) {
    return Invalid("header length " + std::to_string(length) + " exceeds the limit of " +
                   std::to_string(kMaxHeaderSize) + " bytes");
  }
  if (length > file_size - 8) {
    return Invalid("header length " + std::to_string(length) +
                   " runs past the end of the object (" + std::to_string(file_size) + " bytes)");
  }
  return length;
}

Result<Header> ParseHeader(std::string_view json, uint64_t file_size) {
  if (json.empty() || json.front() != '{')
    return Invalid("the JSON header does not start with '{'");
  if (json.size() > file_size - std::min<uint64_t>(file_size, 8)) {
    return Invalid("header length runs past the end of the object");
  }
  DuplicateKeyFinder duplicates;
  Json root;
  try {
    root = Json::parse(json.begin(), json.end(), std::ref(duplicates));
  } catch (const Json::exception& e) {
    return Invalid(std::string("malformed JSON: ") + e.what());
  }
  if (!duplicates.duplicate().empty()) {
    return Invalid("duplicate key " + Quoted(duplicates.duplicate()));
  }
  if (!root.is_object()) return Invalid("the JSON header is not an object");

  Header header;
  header.data_offset = 8 + json.size();
  header.data_size = file_size - header.data_offset;
  for (const auto& [key, value] : root.items()) {
    if (key == "__metadata__") {
      OBJECTFS_ASSIGN_OR_RETURN(header.metadata, ParseMetadata(value));
      continue;
    }
    OBJECTFS_ASSIGN_OR_RETURN(TensorInfo tensor, ParseTensor(key, value));
    header.tensors.push_back(std::move(tensor));
  }
  std::sort(header.tensors.begin(), header.tensors.end(),
            [](const TensorInfo& a, const TensorInfo& b) {
              return std::tie(a.begin, a.end, a.name) < std::tie(b.begin, b.end, b.name);
            });
  OBJECTFS_RETURN_IF_ERROR(CheckTiling(header.tensors, header.data_size));
  return header;
}

}  // namespace objectfs::safetensors
