// The ETag S3 gives an object made by a multipart upload, so a Complete whose
// answer was lost can recognise the object it made.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace objectfs::internal {

// "\"<hex MD5 of the parts' binary MD5s>-<part count>\"" for the parts'
// ETags as UploadPart answered them (quoted hex MD5s). Empty where a part's
// ETag is not a plain MD5 (SSE-KMS, some servers): the object's ETag then
// says nothing about which parts made it.
std::string MultipartETag(const std::vector<std::string>& part_etags);

// Whether two ETags name the same version, quotes and hex case aside.
bool SameETag(std::string_view a, std::string_view b);

}  // namespace objectfs::internal
