// The Client's write verbs: Create, Delete, Copy and the upload admin calls.
#include <algorithm>

#include "core/client_core.hpp"
#include "core/object_writer.hpp"
#include "objectfs/client.hpp"

namespace objectfs {

using internal::Locate;
using internal::Located;

namespace {

Status CheckWritable(const Located& at, std::string_view verb) {
  if (at.uri.key.empty() || at.uri.key.back() == '/') {
    return InvalidArgument(std::string(verb) + " " + at.uri.ForMessages() +
                           ": name an object key, not a bucket or a prefix");
  }
  const StoreCapabilities caps = at.store->Capabilities();
  const bool able = verb == "delete" ? caps.remove : caps.write;
  if (!able) {
    return Unimplemented(std::string(verb) + " " + at.uri.ForMessages() + ": " +
                         at.store->Describe() + " is read-only");
  }
  return Status::Ok();
}

// A HEAD of the key and, for a new key, a one-key listing: a missing bucket or
// rejected credentials fail here, before any byte is sent.
Status CheckDestination(const Located& at, bool no_overwrite) {
  auto info = at.store->Stat(at.uri.key);
  if (info.ok()) {
    if (no_overwrite) {
      return AlreadyExists(at.uri.ForMessages() + " exists and overwriting was not allowed");
    }
    return Status::Ok();
  }
  if (info.status().code() != StatusCode::kNotFound) {
    return info.status().WithContext(at.uri.ForMessages());
  }
  if (!at.store->Capabilities().list) return Status::Ok();
  ListRequest probe;
  probe.prefix = at.uri.key;
  probe.max_keys = 1;
  auto page = at.store->List(probe);
  if (!page.ok()) return page.status().WithContext(at.uri.ForMessages());
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<Writer>> Client::Create(std::string_view text, WriteOptions options) {
  OBJECTFS_ASSIGN_OR_RETURN(Located at, Locate(*core_, text));
  OBJECTFS_RETURN_IF_ERROR(CheckWritable(at, "write"));
  if (options.check_destination || options.no_overwrite) {
    OBJECTFS_RETURN_IF_ERROR(CheckDestination(at, options.no_overwrite));
  }
  return internal::WriterFactory::Make(std::make_unique<internal::ObjectWriter>(
      core_, std::move(at.store), std::move(at.uri), std::move(options)));
}

Status Client::Delete(std::string_view text) {
  OBJECTFS_ASSIGN_OR_RETURN(Located at, Locate(*core_, text));
  OBJECTFS_RETURN_IF_ERROR(CheckWritable(at, "delete"));
  // Stores answer a delete of nothing with success; a user asked for this key.
  auto info = at.store->Stat(at.uri.key);
  if (!info.ok()) return info.status().WithContext(at.uri.ForMessages());
  Status status = at.store->Delete(at.uri.key);
  if (!status.ok()) return status.WithContext(at.uri.ForMessages());
  return Status::Ok();
}

namespace {

// Reads `source` straight into the writer's part buffers: each part-sized
// read runs its ranged GETs in parallel while earlier parts upload.
Status StreamInto(const File& source, Writer& writer) {
  uint64_t offset = 0;
  OBJECTFS_RETURN_IF_ERROR(writer.WriteFrom([&](std::span<std::byte> space) -> Result<size_t> {
    const uint64_t want = std::min<uint64_t>(space.size(), source.Size() - offset);
    if (want == 0) return size_t{0};
    OBJECTFS_ASSIGN_OR_RETURN(size_t got, source.PRead(offset, space.first(want)));
    if (got != want) {
      return DataLoss(source.uri().ForMessages() + ": the object ended at " +
                      std::to_string(offset + got) + " bytes, " + std::to_string(source.Size()) +
                      " expected");
    }
    offset += got;
    return got;
  }));
  return Status::Ok();
}

}  // namespace

Result<ObjectInfo> Client::Copy(std::string_view source_uri, std::string_view destination_uri,
                                WriteOptions options) {
  OBJECTFS_ASSIGN_OR_RETURN(Located from, Locate(*core_, source_uri));
  OBJECTFS_ASSIGN_OR_RETURN(Located to, Locate(*core_, destination_uri));
  OBJECTFS_RETURN_IF_ERROR(CheckWritable(to, "write"));
  auto info = from.store->Stat(from.uri.key);
  if (!info.ok()) return info.status().WithContext(from.uri.ForMessages());
  if (from.store == to.store && to.store->Capabilities().server_side_copy) {
    if (options.no_overwrite) OBJECTFS_RETURN_IF_ERROR(CheckDestination(to, true));
    WriteConditions conditions;
    conditions.if_none_match = options.no_overwrite;
    conditions.content_type = options.content_type;
    auto copied =
        to.store->Copy(from.uri.key, ReadConditions::PinnedTo(*info), to.uri.key, conditions);
    // Unimplemented: too large for one server-side copy; stream it instead.
    if (copied.ok() || copied.status().code() != StatusCode::kUnimplemented) {
      if (!copied.ok()) return copied.status().WithContext(to.uri.ForMessages());
      return copied;
    }
  }
  OBJECTFS_ASSIGN_OR_RETURN(std::shared_ptr<File> source,
                            Open(from.uri.ToString(), std::move(*info)));
  OBJECTFS_ASSIGN_OR_RETURN(std::unique_ptr<Writer> writer,
                            Create(to.uri.ToString(), std::move(options)));
  OBJECTFS_RETURN_IF_ERROR(StreamInto(*source, *writer));
  return writer->Close();
}

Result<std::vector<PendingUpload>> Client::ListUploads(std::string_view text) {
  OBJECTFS_ASSIGN_OR_RETURN(Located at, Locate(*core_, text));
  auto uploads = at.store->ListUploads(at.uri.key);
  if (!uploads.ok()) return uploads.status().WithContext(at.uri.ForMessages());
  return uploads;
}

Status Client::AbortUpload(std::string_view text, std::string_view upload_id) {
  OBJECTFS_ASSIGN_OR_RETURN(Located at, Locate(*core_, text));
  Status status = at.store->AbortUpload(at.uri.key, upload_id);
  if (!status.ok()) return status.WithContext(at.uri.ForMessages());
  return Status::Ok();
}

}  // namespace objectfs
