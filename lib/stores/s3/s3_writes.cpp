// S3 writes: PutObject, the multipart upload calls, DeleteObject, CopyObject
// and ListMultipartUploads.
#include <map>
#include <mutex>

#include "http/xml_error.hpp"
#include "stores/s3/s3_etag.hpp"
#include "stores/s3/s3_store.hpp"
#include "stores/s3/s3_xml.hpp"

namespace objectfs::internal {
namespace {

constexpr uint64_t kMinPartSize = 5ull << 20;
constexpr int kMaxParts = 10000;
// The largest object one CopyObject copies; larger ones are streamed.
constexpr uint64_t kMaxCopySize = 5ull << 30;

void AddWriteHeaders(RestCall& call, const WriteConditions& conditions) {
  call.headers.emplace_back("content-type", conditions.content_type.empty()
                                                ? "application/octet-stream"
                                                : conditions.content_type);
  if (conditions.if_none_match) call.headers.emplace_back("if-none-match", "*");
}

bool SaysExists(const HttpResponse& response) {
  if (response.status == 412) return true;
  // S3 answers a conditional write that lost a race with 409.
  return response.status == 409 &&
         ParseXmlError(response.status, response.body).code == "ConditionalRequestConflict";
}

bool SaysNoSuchUpload(const HttpResponse& response) {
  return response.status == 404 &&
         ParseXmlError(response.status, response.body).code == "NoSuchUpload";
}

}  // namespace

StoreCapabilities S3Store::Capabilities() const {
  StoreCapabilities caps;
  caps.write = caps.remove = caps.conditional_create = true;
  caps.server_side_copy = caps.parallel_parts = caps.list_uploads = true;
  // ListObjectsV2's <ETag> is the HEAD's ETag header, quotes included (XML-escaped).
  caps.listing_pins = true;
  caps.min_part_size = kMinPartSize;
  caps.max_parts = kMaxParts;
  return caps;
}

class S3Upload : public StoreUpload {
 public:
  S3Upload(S3Store* store, std::string key, std::string upload_id, WriteConditions conditions)
      : store_(store),
        key_(std::move(key)),
        upload_id_(std::move(upload_id)),
        conditions_(std::move(conditions)) {}

  std::string id() const override { return upload_id_; }

  Status UploadPart(int number, uint64_t, std::span<const std::byte> bytes) override {
    S3Store::Call call;
    call.method = "PUT";
    call.kind = RequestKind::kPut;
    call.key = key_;
    call.query = {{"partNumber", std::to_string(number)}, {"uploadId", upload_id_}};
    call.payload = bytes;
    OBJECTFS_ASSIGN_OR_RETURN(HttpResponse response, store_->Send(call));
    if (response.status != 200) return store_->ErrorStatus(call, response);
    const std::string* etag = response.Header("etag");
    if (etag == nullptr || etag->empty()) {
      return DataLoss("UploadPart " + std::to_string(number) + " of " + store_->What(call) +
                      ": the answer has no ETag");
    }
    std::lock_guard lock(mu_);
    etags_[number] = *etag;
    return Status::Ok();
  }

  Result<ObjectInfo> Commit(int part_count, uint64_t total_size) override {
    std::vector<std::string> etags;
    {
      std::lock_guard lock(mu_);
      for (int n = 1; n <= part_count; ++n) {
        auto it = etags_.find(n);
        if (it == etags_.end()) return Internal("commit without part " + std::to_string(n));
        etags.push_back(it->second);
      }
    }
    if (conditions_.if_none_match) {
      // Ceph RGW ignores If-None-Match on CompleteMultipartUpload: look
      // first, which leaves only the moment between the two for a race.
      auto existing = store_->Stat(key_);
      if (existing.ok()) return AlreadyExists("key '" + key_ + "' exists");
      if (existing.status().code() != StatusCode::kNotFound) return existing.status();
    }
    S3Store::Call call;
    call.method = "POST";
    call.kind = RequestKind::kPut;
    call.key = key_;
    call.query = {{"uploadId", upload_id_}};
    call.headers.emplace_back("content-type", "application/xml");
    if (conditions_.if_none_match) call.headers.emplace_back("if-none-match", "*");
    call.body = CompleteMultipartUploadXml(etags);
    Result<HttpResponse> sent = store_->Send(call);
    // A retried Complete whose first try made the object (its answer was
    // lost) finds the upload gone, or the key taken; a Complete that never got
    // an answer may have made it too. The object's ETag says whether these
    // parts made it.
    if (!sent.ok() || SaysNoSuchUpload(*sent) || SaysExists(*sent)) {
      auto landed = Landed(etags, total_size);
      if (landed.ok()) return landed;
    }
    OBJECTFS_ASSIGN_OR_RETURN(HttpResponse response, std::move(sent));
    if (SaysExists(response)) return AlreadyExists(store_->What(call) + " exists");
    if (response.status != 200) return store_->ErrorStatus(call, response);
    auto etag = ParseResultETag(response.body, "CompleteMultipartUploadResult");
    if (!etag.ok())
      return etag.status().WithContext("CompleteMultipartUpload " + store_->What(call));
    if (etag->empty()) {
      // Ceph RGW answers with an empty <ETag>: the object's own says which
      // version a File opened from this ObjectInfo pins.
      auto stat = store_->Stat(key_);
      if (stat.ok()) return stat;
    }
    ObjectInfo info;
    info.key = key_;
    info.size = total_size;
    info.etag = std::move(*etag);
    return info;
  }

  Status Abort() override { return store_->AbortUpload(key_, upload_id_); }

 private:
  // The object under the key when it is the one these parts make.
  Result<ObjectInfo> Landed(const std::vector<std::string>& etags, uint64_t total_size) {
    const std::string expected = MultipartETag(etags);
    if (expected.empty()) return NotFound("no multipart ETag to compare");
    auto info = store_->Stat(key_);
    if (!info.ok()) return info.status();
    if (info->size != total_size || !SameETag(info->etag, expected)) {
      return NotFound("key '" + key_ + "' holds another object");
    }
    return info;
  }

  S3Store* const store_;  // outlived: the Writer holds the store
  const std::string key_;
  const std::string upload_id_;
  const WriteConditions conditions_;
  std::mutex mu_;
  std::map<int, std::string> etags_;
};

Result<ObjectInfo> S3Store::Put(std::string_view key, std::span<const std::byte> bytes,
                                const WriteConditions& conditions) {
  Call call;
  call.method = "PUT";
  call.kind = RequestKind::kPut;
  call.key = std::string(key);
  AddWriteHeaders(call, conditions);
  call.payload = bytes;
  OBJECTFS_ASSIGN_OR_RETURN(HttpResponse response, Send(call));
  if (SaysExists(response)) return AlreadyExists(What(call) + " exists");
  if (response.status != 200) return ErrorStatus(call, response);
  ObjectInfo info;
  info.key = std::string(key);
  info.size = bytes.size();
  VersionFromHeaders(response, &info);
  return info;
}

Result<std::unique_ptr<StoreUpload>> S3Store::StartUpload(std::string_view key,
                                                          const WriteConditions& conditions) {
  Call call;
  call.method = "POST";
  call.kind = RequestKind::kPut;
  call.key = std::string(key);
  call.query = {{"uploads", ""}};
  AddWriteHeaders(call, {.content_type = conditions.content_type});
  OBJECTFS_ASSIGN_OR_RETURN(HttpResponse response, Send(call));
  if (response.status != 200) return ErrorStatus(call, response);
  auto id = ParseUploadId(response.body);
  if (!id.ok()) return id.status().WithContext("CreateMultipartUpload " + What(call));
  return std::unique_ptr<StoreUpload>(
      std::make_unique<S3Upload>(this, std::string(key), std::move(*id), conditions));
}

Status S3Store::Delete(std::string_view key) {
  Call call;
  call.method = "DELETE";
  call.kind = RequestKind::kDelete;
  call.key = std::string(key);
  OBJECTFS_ASSIGN_OR_RETURN(HttpResponse response, Send(call));
  if (response.status != 204 && response.status != 200) return ErrorStatus(call, response);
  return Status::Ok();
}

Result<ObjectInfo> S3Store::Copy(std::string_view source, const ReadConditions& source_pin,
                                 std::string_view destination, const WriteConditions& conditions) {
  auto info = Stat(source);
  if (!info.ok()) return info.status();
  // The header below pins the copy on AWS; Ceph RGW ignores it, so the
  // source's ETag is compared here too.
  if (!source_pin.if_match.empty() && info->etag != source_pin.if_match) {
    return ObjectChanged("key '" + std::string(source) + "' in bucket '" + bucket_ +
                         "' changed since it was opened (ETag no longer matches)");
  }
  if (info->size > kMaxCopySize) {
    return Unimplemented("CopyObject copies at most 5 GiB; " + std::string(source) + " is larger");
  }
  Call call;
  call.method = "PUT";
  call.kind = RequestKind::kPut;
  call.key = std::string(destination);
  call.headers.emplace_back("x-amz-copy-source", "/" + bucket_ + "/" + UriEncode(source, false));
  if (!source_pin.if_match.empty()) {
    call.headers.emplace_back("x-amz-copy-source-if-match", source_pin.if_match);
  }
  if (conditions.if_none_match) call.headers.emplace_back("if-none-match", "*");
  OBJECTFS_ASSIGN_OR_RETURN(HttpResponse response, Send(call));
  if (conditions.if_none_match && SaysExists(response)) {
    return AlreadyExists(What(call) + " exists");
  }
  if (response.status != 200) return ErrorStatus(call, response);
  auto etag = ParseResultETag(response.body, "CopyObjectResult");
  if (!etag.ok()) return etag.status().WithContext("CopyObject to " + What(call));
  ObjectInfo copied;
  copied.key = std::string(destination);
  copied.size = info->size;
  copied.etag = std::move(*etag);
  return copied;
}

Result<std::vector<PendingUpload>> S3Store::ListUploads(std::string_view prefix) {
  std::vector<PendingUpload> all;
  std::string key_marker, id_marker;
  for (;;) {
    Call call;
    call.bucket_level = true;
    call.kind = RequestKind::kList;
    call.query = {{"uploads", ""}, {"prefix", std::string(prefix)}};
    if (!key_marker.empty()) {
      call.query.emplace_back("key-marker", key_marker);
      call.query.emplace_back("upload-id-marker", id_marker);
    }
    OBJECTFS_ASSIGN_OR_RETURN(HttpResponse response, Send(call));
    if (response.status != 200) return ErrorStatus(call, response);
    OBJECTFS_ASSIGN_OR_RETURN(UploadsPage page, ParseListMultipartUploads(response.body));
    for (auto& upload : page.uploads) all.push_back(std::move(upload));
    if (page.next_key_marker.empty()) return all;
    if (page.next_key_marker == key_marker && page.next_upload_id_marker == id_marker) {
      return DataLoss("ListMultipartUploads of bucket '" + bucket_ +
                      "' repeated its markers: the listing would never end");
    }
    key_marker = std::move(page.next_key_marker);
    id_marker = std::move(page.next_upload_id_marker);
  }
}

Status S3Store::AbortUpload(std::string_view key, std::string_view upload_id) {
  Call call;
  call.method = "DELETE";
  call.kind = RequestKind::kDelete;
  call.key = std::string(key);
  call.query = {{"uploadId", std::string(upload_id)}};
  OBJECTFS_ASSIGN_OR_RETURN(HttpResponse response, Send(call));
  if (response.status != 204 && response.status != 200) return ErrorStatus(call, response);
  return Status::Ok();
}

}  // namespace objectfs::internal
