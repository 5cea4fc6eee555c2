// The one way to build a File (its constructor is private, so the public
// header names no internal type a caller could pass): Client::Open, and the
// tests and benchmarks that read a fake store through a ClientCore.
#pragma once

#include <memory>

#include "objectfs/file.hpp"

namespace objectfs::internal {

struct FileFactory {
  static std::shared_ptr<File> Make(std::shared_ptr<ClientCore> core,
                                    std::shared_ptr<ObjectStore> store, Uri uri, ObjectInfo info);
};

}  // namespace objectfs::internal
