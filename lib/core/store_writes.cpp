// The answers of a store that does not write: kUnimplemented naming it.
#include "objectfs/store.hpp"

namespace objectfs {
namespace {

Status NoWrites(const ObjectStore& store, std::string_view what) {
  return Unimplemented(std::string(what) + " is not available for " + store.Describe() +
                       ": the store is read-only");
}

}  // namespace

Result<ObjectInfo> ObjectStore::Put(std::string_view, std::span<const std::byte>,
                                    const WriteConditions&) {
  return NoWrites(*this, "writing");
}

Result<std::unique_ptr<StoreUpload>> ObjectStore::StartUpload(std::string_view,
                                                              const WriteConditions&) {
  return NoWrites(*this, "writing");
}

Status ObjectStore::Delete(std::string_view) { return NoWrites(*this, "deleting"); }

Result<ObjectInfo> ObjectStore::Copy(std::string_view, const ReadConditions&, std::string_view,
                                     const WriteConditions&) {
  return Unimplemented("server-side copy is not available for " + Describe());
}

Result<std::vector<PendingUpload>> ObjectStore::ListUploads(std::string_view) {
  return Unimplemented("listing incomplete uploads is not applicable to " + Describe() +
                       ": it leaves no multipart uploads behind");
}

Status ObjectStore::AbortUpload(std::string_view, std::string_view) {
  return Unimplemented("aborting uploads is not applicable to " + Describe() +
                       ": it leaves no multipart uploads behind");
}

}  // namespace objectfs
