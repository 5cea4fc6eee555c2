// Umbrella header for the ObjectFS C++ API.
#pragma once

#include "objectfs/client.hpp"
#include "objectfs/disk_cache.hpp"
#include "objectfs/file.hpp"
#include "objectfs/option_schema.hpp"
#include "objectfs/options.hpp"
#include "objectfs/status.hpp"
#include "objectfs/store.hpp"
#include "objectfs/uri.hpp"
#include "objectfs/version.hpp"
#include "objectfs/writer.hpp"
