// An open file of the mount (its address is the handle number): a read handle
// has `file`, a write handle `write`.
#pragma once

#include <memory>

#include "fs/local_entries.hpp"
#include "objectfs/file.hpp"

namespace objectfs::mount {

struct FileHandle {
  std::shared_ptr<File> file;
  std::shared_ptr<WriteState> write;
};

}  // namespace objectfs::mount
