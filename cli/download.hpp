// Downloads an opened object into a local file: parallel ranged reads into a
// temporary name beside the destination, renamed over it only when every
// byte arrived, so a failed copy leaves nothing half-written.
#pragma once

#include <string>

#include "objectfs/client.hpp"

namespace objectfs::cli {

// `workers` parallel part reads (each holds one part buffer). With
// `no_clobber`, an existing destination is kAlreadyExists and stays as it was.
Status DownloadToFile(const File& file, const std::string& destination, uint64_t part_size,
                      int workers, bool no_clobber);

}  // namespace objectfs::cli
