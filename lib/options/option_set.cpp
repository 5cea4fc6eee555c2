// SetOption: text -> a ClientOptions field, by the option's type.
#include <utility>

#include "objectfs/option_schema.hpp"
#include "options/option_text.hpp"

namespace objectfs {
namespace {

template <typename To, typename From>
Result<To> Narrow(From value) {
  if (!std::in_range<To>(value)) {
    return InvalidArgument("value " + std::to_string(value) + " is out of range");
  }
  return static_cast<To>(value);
}

// Parses `text` into `*field` as `info` describes; errors name only the value.
struct Setter {
  const OptionInfo& info;
  std::string_view text;

  bool Zero() const { return !info.zero_means.empty() && text == info.zero_means; }

  Status operator()(std::string* field) const {
    *field = std::string(text);
    return Status::Ok();
  }
  Status operator()(bool* field) const {
    OBJECTFS_ASSIGN_OR_RETURN(*field, internal::ParseBool(text));
    return Status::Ok();
  }
  Status operator()(int* field) const {
    OBJECTFS_ASSIGN_OR_RETURN(int64_t n, internal::ParseInt(text));
    OBJECTFS_ASSIGN_OR_RETURN(*field, Narrow<int>(n));
    return Status::Ok();
  }
  Status operator()(long* field) const {
    if (info.type != OptionType::kSize) {
      OBJECTFS_ASSIGN_OR_RETURN(*field, internal::ParseInt(text));
      return Status::Ok();
    }
    OBJECTFS_ASSIGN_OR_RETURN(uint64_t n, internal::ParseByteSize(text));
    OBJECTFS_ASSIGN_OR_RETURN(*field, Narrow<long>(n));
    return Status::Ok();
  }
  Status operator()(uint64_t* field) const {
    if (Zero()) {
      *field = 0;
      return Status::Ok();
    }
    OBJECTFS_ASSIGN_OR_RETURN(*field, internal::ParseByteSize(text));
    return Status::Ok();
  }
  Status operator()(std::chrono::milliseconds* field) const {
    OBJECTFS_ASSIGN_OR_RETURN(*field, internal::ParseSeconds(text));
    return Status::Ok();
  }
  Status operator()(std::chrono::seconds* field) const {
    OBJECTFS_ASSIGN_OR_RETURN(auto ms, internal::ParseSeconds(text));
    *field = std::chrono::floor<std::chrono::seconds>(ms);
    return Status::Ok();
  }
};

}  // namespace

Status SetOption(ClientOptions& options, std::string_view name, std::string_view text) {
  const OptionInfo* info = FindOption(name);
  if (info == nullptr) return InvalidArgument("unknown option '" + std::string(name) + "'");
  Status status = std::visit(Setter{*info, text}, info->field(options));
  if (!status.ok()) return status.WithContext(info->name);
  return status;
}

}  // namespace objectfs
