// The parts of a REST object store that do not depend on its dialect: the
// Range header, strict length headers, and the check that an answer is of the
// version a read is pinned to. Stores keep only their URLs, signing and error
// documents.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "http/transport.hpp"
#include "objectfs/status.hpp"
#include "objectfs/store.hpp"

namespace objectfs::internal {

// "bytes=FIRST-LAST" for a non-empty range.
std::string RangeHeaderValue(ByteRange range);

// The decimal value of header `name` (lower case). Missing, empty or anything
// but digits is kDataLoss naming the header and `what`: never size 0.
Result<uint64_t> ParseLengthHeader(const HttpResponse& response, std::string_view name,
                                   const std::string& what);

// How a store's answers say which version they carry.
struct PinHeaders {
  bool etag = true;               // the ETag header must equal ReadConditions::if_match
  std::string_view version = {};  // header that must equal ReadConditions::version, if any
};

// A successful answer to a pinned read must be of the pinned version: a
// server that ignores If-Match (or a cache in front of it) may send another
// version's bytes. A header the answer does not carry cannot be checked.
Status CheckPinned(const HttpResponse& response, const ReadConditions& pin, PinHeaders headers,
                   const std::string& what);

}  // namespace objectfs::internal
