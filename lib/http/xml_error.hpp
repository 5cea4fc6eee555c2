// The XML error document S3 and Azure Blob answer failures with:
// <Error><Code>...</Code><Message>...</Message>...</Error>.
#pragma once

#include <string_view>

#include "http/rest.hpp"

namespace objectfs::internal {

// The code and message of `body` with `status`; never fails: a body that is
// not an error document gives an empty code and message. Only the message's
// first line is kept (Azure appends RequestId and Time lines).
HttpError ParseXmlError(long status, std::string_view body);

}  // namespace objectfs::internal
