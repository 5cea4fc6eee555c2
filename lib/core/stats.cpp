#include "objectfs/stats.hpp"

namespace objectfs {

std::string StatsLine(const ClientStats& stats) {
  std::string line = "stats:";
  for (const StatDescriptor& row : kClientStats) {
    line += ' ';
    line += row.name;
    line += '=';
    line += std::to_string(stats.*row.field);
  }
  return line;
}

}  // namespace objectfs
