// The run-time half of objectfs/version.hpp (generated from the CMake project version).
#include "objectfs/version.hpp"

namespace objectfs {

const char* Version() { return OBJECTFS_VERSION; }

}  // namespace objectfs
