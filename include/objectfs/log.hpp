// Where a Client tells its embedder what it did not return as an error:
// disk-cache blocks it could not store, the credential source it settled on,
// keys a listing skipped.
#pragma once

#include <functional>
#include <string_view>

namespace objectfs {

enum class LogLevel { kInfo, kWarning };

// Called from any of the Client's threads, possibly at once: a sink must be
// thread-safe and quick. Messages never contain secrets.
using LogSink = std::function<void(LogLevel level, std::string_view message)>;

}  // namespace objectfs
