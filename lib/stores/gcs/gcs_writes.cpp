// GCS writes through the JSON API: media uploads, resumable upload sessions,
// objects.delete and objects.rewrite.
#include <charconv>
#include <mutex>
#include <optional>
#include <vector>

#include "stores/gcs/crc32c.hpp"
#include "stores/gcs/gcs_json.hpp"
#include "stores/gcs/gcs_store.hpp"
#include "util/base64.hpp"
#include "util/uri_encode.hpp"

namespace objectfs::internal {
namespace {

// Resumable chunks but the last must be whole multiples of 256 KiB.
constexpr uint64_t kChunkAlignment = 256 << 10;
constexpr uint64_t kMinPartSize = 8ull << 20;
// Sends of one chunk that the server persisted only in part, before giving up.
constexpr int kMaxChunkSends = 8;
// objects.rewrite calls of one copy (each copies up to about 1 GiB).
constexpr int kMaxRewriteCalls = 10000;

std::string ContentType(const WriteConditions& conditions) {
  return conditions.content_type.empty() ? "application/octet-stream" : conditions.content_type;
}

// base64 of the big-endian CRC-32C: how the API writes it.
std::string Crc32cBase64(uint32_t crc) {
  const char be[4] = {static_cast<char>(crc >> 24), static_cast<char>(crc >> 16),
                      static_cast<char>(crc >> 8), static_cast<char>(crc)};
  return Base64Encode(std::string_view(be, 4));
}

// The bytes a 308 says the server holds: "range: bytes=0-LAST"; none without it.
Result<uint64_t> PersistedBytes(const HttpResponse& response) {
  const std::string* range = response.Header("range");
  if (range == nullptr) return uint64_t{0};
  std::string_view text = *range;
  uint64_t last = 0;
  if (!text.starts_with("bytes=0-")) return DataLoss("unexpected Range '" + *range + "'");
  text.remove_prefix(8);
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), last);
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    return DataLoss("unexpected Range '" + *range + "'");
  }
  return last + 1;
}

}  // namespace

StoreCapabilities GcsStore::Capabilities() const {
  StoreCapabilities caps;
  caps.versioned = true;
  // Listings and Stat both carry the object resource (etag, generation).
  caps.listing_pins = true;
  caps.write = caps.remove = caps.server_side_copy = true;
  // The firebase emulator ignores ifGenerationMatch: the library checks first there.
  caps.conditional_create = !settings_.emulator;
  caps.min_part_size = kMinPartSize;
  // The emulator finalizes a resumable upload at its first chunk.
  if (settings_.emulator) caps.max_parts = 1;
  return caps;
}

Result<ObjectInfo> GcsStore::CheckWritten(const Call& call, const HttpResponse& response,
                                          uint32_t crc32c) {
  auto object = ParseGcsObject(response.body);
  if (!object.ok()) return object.status().WithContext("upload of " + What(call));
  if (object->crc32c != Crc32cBase64(crc32c)) {
    Status removed = DeleteGeneration(call.key, object->info.version);
    return DataLoss("upload of " + What(call) + ": the server reports CRC-32C '" + object->crc32c +
                    "', the bytes sent have '" + Crc32cBase64(crc32c) + "'" +
                    (removed.ok() ? "; the object was deleted"
                                  : "; deleting it failed: " + removed.ToString()));
  }
  object->info.key = call.key;
  return std::move(object->info);
}

Status GcsStore::DeleteGeneration(std::string_view key, const std::string& generation) {
  Call call;
  call.method = "DELETE";
  call.kind = RequestKind::kDelete;
  call.key = std::string(key);
  call.query.emplace_back("ifGenerationMatch", generation);
  OBJECTFS_ASSIGN_OR_RETURN(HttpResponse response, Send(call));
  if (response.status != 204 && response.status != 200) return ErrorStatus(call, response);
  return Status::Ok();
}

// A resumable upload session. Parts arrive in order; each is sent as chunks
// "bytes A-B/*" (308). A part that is not a whole number of 256 KiB chunks
// can only be the last: its tail stays here (< 256 KiB) and goes with the
// final "bytes A-B/TOTAL" at Commit.
class GcsUpload : public StoreUpload {
 public:
  // The conditions went with the session's start (ifGenerationMatch).
  GcsUpload(GcsStore* store, std::string key, std::string session)
      : store_(store), key_(std::move(key)), session_(std::move(session)) {}

  // The session URI authorizes uploads by itself: it is not shown anywhere.
  std::string id() const override { return {}; }

  Status UploadPart(int number, uint64_t offset, std::span<const std::byte> bytes) override {
    std::lock_guard lock(mu_);
    if (number != parts_ + 1 || offset != sent_ + tail_.size()) {
      return Internal("GCS resumable upload of " + What() + ": part " + std::to_string(number) +
                      " at offset " + std::to_string(offset) + " is out of order");
    }
    if (!tail_.empty()) {
      return InvalidArgument("GCS resumable upload of " + What() + ": part " +
                             std::to_string(parts_) +
                             " was not a multiple of 256 KiB, so it had to be the last");
    }
    if (dropped_) return Unimplemented("GCS resumable upload of " + What() + ": it failed before");
    if (finished_) {
      // The firebase emulator finalizes a session at its first chunk.
      return Unimplemented("GCS resumable upload of " + What() +
                           ": the server made the object at the first chunk, so it cannot take "
                           "more than one part (the firebase emulator does this)" +
                           Outcome(DropEarlyObject()));
    }
    ++parts_;
    const size_t aligned = bytes.size() / kChunkAlignment * kChunkAlignment;
    tail_.assign(bytes.begin() + aligned, bytes.end());
    crc_ = Crc32c(bytes.first(aligned), crc_);
    return SendChunks(bytes.first(aligned));
  }

  Result<ObjectInfo> Commit(int part_count, uint64_t total_size) override {
    std::lock_guard lock(mu_);
    if (part_count != parts_ || total_size != sent_ + tail_.size()) {
      return Internal("GCS resumable upload of " + What() + ": commit of " +
                      std::to_string(part_count) + " parts, " + std::to_string(total_size) +
                      " bytes, after " + std::to_string(parts_) + " parts, " +
                      std::to_string(sent_ + tail_.size()) + " bytes");
    }
    if (dropped_) return Unimplemented("GCS resumable upload of " + What() + ": it failed before");
    if (finished_) {
      if (!tail_.empty()) {
        return Unimplemented("GCS resumable upload of " + What() +
                             ": the server made the object before its last bytes were sent" +
                             Outcome(DropEarlyObject()));
      }
      finished_->key = key_;
      return *finished_;
    }
    const uint32_t crc = Crc32c(tail_, crc_);
    GcsStore::Call call = SessionCall("PUT");
    const std::string range =
        tail_.empty() ? "*"
                      : std::to_string(sent_) + "-" + std::to_string(sent_ + tail_.size() - 1);
    call.headers.emplace_back("content-range", "bytes " + range + "/" + std::to_string(total_size));
    call.headers.emplace_back("x-goog-hash", "crc32c=" + Crc32cBase64(crc));
    call.payload = tail_;
    OBJECTFS_ASSIGN_OR_RETURN(HttpResponse response, store_->Send(call));
    if (response.status == 412) return AlreadyExists(What() + " exists");
    if (response.status == 308) {
      return DataLoss("GCS resumable upload of " + What() + ": the server did not take all " +
                      std::to_string(total_size) + " bytes at the final request");
    }
    if (response.status != 200 && response.status != 201) {
      return store_->ErrorStatus(call, response);
    }
    return store_->CheckWritten(call, response, crc);
  }

  Status Abort() override {
    std::lock_guard lock(mu_);
    if (finished_) return DropEarlyObject();
    if (dropped_) return Status::Ok();
    GcsStore::Call call = SessionCall("DELETE");
    call.kind = RequestKind::kDelete;
    OBJECTFS_ASSIGN_OR_RETURN(HttpResponse response, store_->Send(call));
    // GCS answers a cancelled session with 499; a session gone already is fine.
    const long status = response.status;
    if (status == 499 || status == 200 || status == 204 || status == 404 || status == 410) {
      return Status::Ok();
    }
    // The firebase emulator cannot cancel sessions (501); they live in its
    // memory only and never become objects.
    if (status == 501 && store_->settings_.emulator) return Status::Ok();
    return store_->ErrorStatus(call, response);
  }

 private:
  std::string What() const { return "key '" + key_ + "' in bucket '" + store_->bucket_ + "'"; }

  GcsStore::Call SessionCall(std::string method) const {
    GcsStore::Call call;
    call.method = std::move(method);
    call.kind = RequestKind::kPut;
    call.key = key_;
    call.url = session_;
    call.headers.emplace_back("content-type", "application/octet-stream");
    return call;
  }

  // Sends `bytes` (whole chunks) from offset sent_, resending what a 308 says
  // the server did not persist.
  Status SendChunks(std::span<const std::byte> bytes) {
    const uint64_t end = sent_ + bytes.size();
    for (int sends = 0; sent_ < end; ++sends) {
      if (sends == kMaxChunkSends) {
        return Unavailable("GCS resumable upload of " + What() + ": the server persisted " +
                           std::to_string(sent_) + " of " + std::to_string(end) + " bytes after " +
                           std::to_string(sends) + " sends");
      }
      GcsStore::Call call = SessionCall("PUT");
      call.headers.emplace_back(
          "content-range", "bytes " + std::to_string(sent_) + "-" + std::to_string(end - 1) + "/*");
      call.payload = bytes.subspan(bytes.size() - (end - sent_));
      OBJECTFS_ASSIGN_OR_RETURN(HttpResponse response, store_->Send(call));
      if (response.status == 200 || response.status == 201) {
        // Finalized without a total: only a server that ignores Content-Range.
        OBJECTFS_ASSIGN_OR_RETURN(ObjectInfo info, store_->CheckWritten(call, response, crc_));
        finished_ = std::move(info);
        sent_ = end;
        return Status::Ok();
      }
      if (response.status == 412) return AlreadyExists(What() + " exists");
      if (response.status != 308) return store_->ErrorStatus(call, response);
      auto persisted = PersistedBytes(response);
      if (!persisted.ok()) return persisted.status().WithContext("GCS upload of " + What());
      if (*persisted > end || *persisted < sent_) {
        return DataLoss("GCS resumable upload of " + What() + ": the server holds " +
                        std::to_string(*persisted) + " bytes after bytes " + std::to_string(sent_) +
                        "-" + std::to_string(end - 1) + " were sent");
      }
      if (*persisted > sent_) sends = -1;  // progress: a fresh count of tries
      sent_ = *persisted;
    }
    return Status::Ok();
  }

  // Deletes the object a server made too early (once).
  Status DropEarlyObject() {
    const std::string generation = finished_->version;
    finished_.reset();
    dropped_ = true;
    return store_->DeleteGeneration(key_, generation);
  }
  static std::string Outcome(const Status& removed) {
    return removed.ok() ? "; the partial object was deleted"
                        : "; deleting the partial object failed: " + removed.ToString();
  }

  GcsStore* const store_;  // outlived: the Writer holds the store
  const std::string key_;
  const std::string session_;
  std::mutex mu_;
  int parts_ = 0;
  uint64_t sent_ = 0;  // bytes the server holds
  uint32_t crc_ = 0;   // of the bytes sent (the tail joins at Commit)
  std::vector<std::byte> tail_;
  std::optional<ObjectInfo> finished_;  // the object, when the server finalized early
  bool dropped_ = false;                // ... and it was deleted again
};

Result<ObjectInfo> GcsStore::Put(std::string_view key, std::span<const std::byte> bytes,
                                 const WriteConditions& conditions) {
  Call call;
  call.method = "POST";
  call.kind = RequestKind::kPut;
  call.key = std::string(key);
  call.upload = true;
  call.query = {{"uploadType", "media"}, {"name", std::string(key)}};
  if (conditions.if_none_match) call.query.emplace_back("ifGenerationMatch", "0");
  const uint32_t crc = Crc32c(bytes);
  call.headers.emplace_back("content-type", ContentType(conditions));
  call.headers.emplace_back("x-goog-hash", "crc32c=" + Crc32cBase64(crc));
  call.payload = bytes;
  OBJECTFS_ASSIGN_OR_RETURN(HttpResponse response, Send(call));
  if (response.status == 412) return AlreadyExists(What(call) + " exists");
  if (response.status != 200 && response.status != 201) return ErrorStatus(call, response);
  return CheckWritten(call, response, crc);
}

Result<std::unique_ptr<StoreUpload>> GcsStore::StartUpload(std::string_view key,
                                                           const WriteConditions& conditions) {
  Call call;
  call.method = "POST";
  call.kind = RequestKind::kPut;
  call.key = std::string(key);
  call.upload = true;
  call.query = {{"uploadType", "resumable"}, {"name", std::string(key)}};
  if (conditions.if_none_match) call.query.emplace_back("ifGenerationMatch", "0");
  call.headers.emplace_back("content-type", "application/json; charset=UTF-8");
  call.headers.emplace_back("x-upload-content-type", ContentType(conditions));
  call.body = GcsUploadMetadataJson(ContentType(conditions));
  OBJECTFS_ASSIGN_OR_RETURN(HttpResponse response, Send(call));
  if (response.status == 412) return AlreadyExists(What(call) + " exists");
  if (response.status != 200 && response.status != 201) return ErrorStatus(call, response);
  const std::string* session = response.Header("location");
  if (session == nullptr || session->empty()) {
    return DataLoss("resumable upload of " + What(call) + ": the answer has no Location");
  }
  return std::unique_ptr<StoreUpload>(
      std::make_unique<GcsUpload>(this, std::string(key), *session));
}

Status GcsStore::Delete(std::string_view key) {
  Call call;
  call.method = "DELETE";
  call.kind = RequestKind::kDelete;
  call.key = std::string(key);
  OBJECTFS_ASSIGN_OR_RETURN(HttpResponse response, Send(call));
  if (response.status != 204 && response.status != 200) return ErrorStatus(call, response);
  return Status::Ok();
}

Result<ObjectInfo> GcsStore::Copy(std::string_view source, const ReadConditions& source_pin,
                                  std::string_view destination, const WriteConditions& conditions) {
  if (settings_.emulator && !source_pin.version.empty()) {
    // The firebase emulator ignores ifSourceGenerationMatch: check first (racy).
    OBJECTFS_ASSIGN_OR_RETURN(ObjectInfo now, Stat(source));
    if (now.version != source_pin.version) {
      return ObjectChanged("copy of key '" + std::string(source) + "' in bucket '" + bucket_ +
                           "': generation " + source_pin.version + " is now " + now.version);
    }
  }
  std::string token;
  for (int calls = 0; calls < kMaxRewriteCalls; ++calls) {
    Call call;
    call.method = "POST";
    call.kind = RequestKind::kPut;
    call.key = std::string(source);
    call.suffix = "/rewriteTo/b/" + UriEncode(bucket_, true) + "/o/" + UriEncode(destination, true);
    if (!source_pin.version.empty()) {
      call.query.emplace_back("ifSourceGenerationMatch", source_pin.version);
    }
    if (conditions.if_none_match) call.query.emplace_back("ifGenerationMatch", "0");
    if (!token.empty()) call.query.emplace_back("rewriteToken", token);
    call.headers.emplace_back("content-type", "application/json; charset=UTF-8");
    // No body keeps the source's metadata; a content type replaces it.
    if (!conditions.content_type.empty())
      call.body = GcsUploadMetadataJson(conditions.content_type);
    OBJECTFS_ASSIGN_OR_RETURN(HttpResponse response, Send(call));
    if (response.status == 412) {
      // Either precondition: the destination exists, or the source changed.
      if (conditions.if_none_match && Stat(destination).ok()) {
        return AlreadyExists("key '" + std::string(destination) + "' in bucket '" + bucket_ +
                             "' exists");
      }
      return ObjectChanged("copy of " + What(call) + ": generation " + source_pin.version +
                           " is no longer the object (HTTP 412)");
    }
    if (response.status != 200) return ErrorStatus(call, response);
    auto progress = ParseGcsRewrite(response.body);
    if (!progress.ok()) return progress.status().WithContext("copy of " + What(call));
    if (progress->done) {
      progress->resource.info.key = std::string(destination);
      return std::move(progress->resource.info);
    }
    token = std::move(progress->rewrite_token);
  }
  return Unavailable("copy of '" + std::string(source) + "' in bucket '" + bucket_ +
                     "': objects.rewrite did not finish after " + std::to_string(kMaxRewriteCalls) +
                     " calls");
}

}  // namespace objectfs::internal
