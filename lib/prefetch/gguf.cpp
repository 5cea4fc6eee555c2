#include "prefetch/gguf.hpp"

#include <algorithm>
#include <iterator>
#include <vector>

#include "prefetch/little_endian.hpp"

namespace objectfs::internal::prefetch {
namespace {

constexpr uint64_t kMaxTensors = 1'000'000;
constexpr uint64_t kMaxMetadata = 1'000'000;
constexpr uint64_t kMaxDims = 4;         // GGML_MAX_DIMS
constexpr uint64_t kMaxName = 64 << 10;  // a key or a tensor name
constexpr uint32_t kTypeUint32 = 4, kTypeString = 8, kTypeArray = 9;
constexpr uint64_t kDefaultAlignment = 32;

Status Invalid(const std::string& what) { return InvalidArgument("gguf: " + what); }

// Little-endian values from the start of the file on; a value past the bytes
// at hand is kOutOfRange (read more), one past kMaxGgufHeader is invalid.
class Cursor {
 public:
  explicit Cursor(std::span<const std::byte> bytes) : bytes_(bytes) {}
  uint64_t at() const { return at_; }

  Status Skip(uint64_t n) {
    if (n > kMaxGgufHeader || at_ + n > kMaxGgufHeader) {
      return Invalid("the header is larger than " + std::to_string(kMaxGgufHeader >> 20) + " MiB");
    }
    if (at_ + n > bytes_.size()) {
      return OutOfRange("gguf: the header runs past the first " + std::to_string(bytes_.size()) +
                        " bytes");
    }
    at_ += n;
    return Status::Ok();
  }
  Result<uint64_t> Le(size_t width) {
    const uint64_t from = at_;
    OBJECTFS_RETURN_IF_ERROR(Skip(width));
    return prefetch::Le(bytes_, from, width);
  }
  // A key or a tensor name: at most kMaxName bytes.
  Result<std::string_view> Name() {
    OBJECTFS_ASSIGN_OR_RETURN(const uint64_t length, Le(8));
    if (length > kMaxName) return Invalid("a name of " + std::to_string(length) + " bytes");
    const uint64_t from = at_;
    OBJECTFS_RETURN_IF_ERROR(Skip(length));
    return std::string_view(reinterpret_cast<const char*>(bytes_.data()) + from, length);
  }
  // A string value (a chat template may take tens of KiB): only the header's limit.
  Status SkipString() {
    OBJECTFS_ASSIGN_OR_RETURN(const uint64_t length, Le(8));
    return Skip(length);
  }

 private:
  std::span<const std::byte> bytes_;
  uint64_t at_ = 0;
};

// Bytes of one value of a fixed-size metadata type, or 0.
uint64_t FixedSize(uint64_t type) {
  // u8, i8, u16, i16, u32, i32, f32, bool, (string, array), u64, i64, f64
  constexpr uint8_t kSizes[] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
  return type < std::size(kSizes) ? kSizes[type] : 0;
}

Status SkipValue(Cursor& cursor, uint64_t type, std::string_view key) {
  if (const uint64_t size = FixedSize(type)) return cursor.Skip(size);
  if (type == kTypeString) return cursor.SkipString();
  if (type != kTypeArray) {
    return Invalid("metadata '" + std::string(key) + "' has unknown type " + std::to_string(type));
  }
  OBJECTFS_ASSIGN_OR_RETURN(const uint64_t element, cursor.Le(4));
  OBJECTFS_ASSIGN_OR_RETURN(const uint64_t count, cursor.Le(8));
  if (const uint64_t size = FixedSize(element)) {
    if (count > kMaxGgufHeader / size) {
      return Invalid("metadata '" + std::string(key) + "' is an array of " + std::to_string(count) +
                     " values");
    }
    return cursor.Skip(count * size);
  }
  if (element != kTypeString) {
    return Invalid("metadata '" + std::string(key) + "' is an array of type " +
                   std::to_string(element));
  }
  if (count > kMaxGgufHeader / 8) {
    return Invalid("metadata '" + std::string(key) + "' is an array of " + std::to_string(count) +
                   " strings");
  }
  for (uint64_t i = 0; i < count; ++i) OBJECTFS_RETURN_IF_ERROR(cursor.SkipString());
  return Status::Ok();
}

struct Tensor {
  std::string name;
  std::vector<uint64_t> shape;
  uint64_t offset = 0;  // in the data region
};

}  // namespace

bool IsGgufName(std::string_view key) { return key.ends_with(".gguf"); }

std::string NaturalSortKey(std::string_view name) {
  constexpr size_t kWidth = 20;
  std::string key;
  for (size_t i = 0; i < name.size();) {
    if (name[i] < '0' || name[i] > '9') {
      key += name[i++];
      continue;
    }
    size_t end = i;
    while (end < name.size() && name[end] >= '0' && name[end] <= '9') ++end;
    const std::string_view digits = name.substr(i, end - i);
    if (digits.size() < kWidth) key.append(kWidth - digits.size(), '0');
    key += digits;
    i = end;
  }
  return key;
}

std::string LoadOrderKey(std::string_view name) {
  const char rank = name.starts_with("token_embd") ? '0' : name.starts_with("blk.") ? '2' : '1';
  return std::string(1, rank) + ' ' + NaturalSortKey(name);
}

Result<safetensors::Header> GgufHeader(std::span<const std::byte> head, uint64_t file_size) {
  Cursor cursor(head);
  OBJECTFS_ASSIGN_OR_RETURN(const uint64_t magic, cursor.Le(4));
  if (magic != 0x46554747) return Invalid("the file does not start with 'GGUF'");
  OBJECTFS_ASSIGN_OR_RETURN(const uint64_t version, cursor.Le(4));
  if (version == 1) return Invalid("version 1 (32-bit counts) is not supported");
  if (version != 2 && version != 3) {
    return Invalid("version " + std::to_string(version) + " is not supported" +
                   ((version & 0xffff) == 0 ? " (a big-endian file?)" : ""));
  }
  OBJECTFS_ASSIGN_OR_RETURN(const uint64_t tensor_count, cursor.Le(8));
  OBJECTFS_ASSIGN_OR_RETURN(const uint64_t metadata_count, cursor.Le(8));
  if (tensor_count > kMaxTensors) return Invalid(std::to_string(tensor_count) + " tensors");
  if (metadata_count > kMaxMetadata) {
    return Invalid(std::to_string(metadata_count) + " metadata entries");
  }
  uint64_t alignment = kDefaultAlignment;
  for (uint64_t i = 0; i < metadata_count; ++i) {
    OBJECTFS_ASSIGN_OR_RETURN(const std::string_view key, cursor.Name());
    OBJECTFS_ASSIGN_OR_RETURN(const uint64_t type, cursor.Le(4));
    if (key == "general.alignment" && type == kTypeUint32) {
      OBJECTFS_ASSIGN_OR_RETURN(alignment, cursor.Le(4));
      if (alignment == 0 || (alignment & (alignment - 1)) != 0) {
        return Invalid("general.alignment " + std::to_string(alignment) + " is not a power of two");
      }
      continue;
    }
    OBJECTFS_RETURN_IF_ERROR(SkipValue(cursor, type, key));
  }
  std::vector<Tensor> tensors;
  tensors.reserve(std::min<uint64_t>(tensor_count, head.size() / 32));
  for (uint64_t i = 0; i < tensor_count; ++i) {
    Tensor tensor;
    OBJECTFS_ASSIGN_OR_RETURN(const std::string_view name, cursor.Name());
    tensor.name = name;
    OBJECTFS_ASSIGN_OR_RETURN(const uint64_t dims, cursor.Le(4));
    if (dims > kMaxDims) {
      return Invalid("tensor '" + tensor.name + "' has " + std::to_string(dims) + " dimensions");
    }
    for (uint64_t d = 0; d < dims; ++d) {
      OBJECTFS_ASSIGN_OR_RETURN(const uint64_t extent, cursor.Le(8));
      tensor.shape.push_back(extent);
    }
    OBJECTFS_RETURN_IF_ERROR(cursor.Skip(4));  // the ggml type: sizes come from the offsets
    OBJECTFS_ASSIGN_OR_RETURN(tensor.offset, cursor.Le(8));
    if (tensor.offset % alignment != 0) {
      return Invalid("tensor '" + tensor.name + "' at offset " + std::to_string(tensor.offset) +
                     " is not aligned to " + std::to_string(alignment));
    }
    tensors.push_back(std::move(tensor));
  }
  safetensors::Header header;
  header.metadata["format"] = "gguf";
  header.data_offset = (cursor.at() + alignment - 1) / alignment * alignment;
  if (header.data_offset > file_size) {
    return Invalid("the tensor infos end at " + std::to_string(header.data_offset) +
                   ", past the end of the file (" + std::to_string(file_size) + " bytes)");
  }
  header.data_size = file_size - header.data_offset;
  std::sort(tensors.begin(), tensors.end(),
            [](const Tensor& a, const Tensor& b) { return a.offset < b.offset; });
  for (size_t i = 0; i < tensors.size(); ++i) {
    const uint64_t end = i + 1 < tensors.size() ? tensors[i + 1].offset : header.data_size;
    if (tensors[i].offset >= header.data_size) {
      return Invalid("tensor '" + tensors[i].name + "' at offset " +
                     std::to_string(tensors[i].offset) + " starts past the end of the data (" +
                     std::to_string(header.data_size) + " bytes)");
    }
    if (end == tensors[i].offset) {
      return Invalid("tensors '" + tensors[i].name + "' and '" + tensors[i + 1].name +
                     "' start at the same offset");
    }
    safetensors::TensorInfo info;
    info.name = LoadOrderKey(tensors[i].name);
    info.shape = std::move(tensors[i].shape);
    info.begin = tensors[i].offset;
    info.end = end;
    header.tensors.push_back(std::move(info));
  }
  return header;
}

}  // namespace objectfs::internal::prefetch
