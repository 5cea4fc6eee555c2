// Shared by the option schema tests: a field's value as comparable text.
#pragma once

#include <string>
#include <variant>

#include "objectfs/option_schema.hpp"

namespace objectfs::testing {

// Durations in milliseconds, booleans as true/false.
inline std::string ShowField(const OptionField& field) {
  struct Visitor {
    std::string operator()(std::string* s) const { return *s; }
    std::string operator()(bool* b) const { return *b ? "true" : "false"; }
    std::string operator()(int* n) const { return std::to_string(*n); }
    std::string operator()(long* n) const { return std::to_string(*n); }
    std::string operator()(uint64_t* n) const { return std::to_string(*n); }
    std::string operator()(std::chrono::milliseconds* d) const {
      return std::to_string(d->count()) + "ms";
    }
    std::string operator()(std::chrono::seconds* d) const {
      return std::to_string(d->count() * 1000) + "ms";
    }
  };
  return std::visit(Visitor{}, field);
}

inline bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace objectfs::testing
