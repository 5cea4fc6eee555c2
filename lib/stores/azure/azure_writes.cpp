// Azure Blob writes: Put Blob, Put Block + Put Block List, Delete Blob and
// Copy Blob.
#include <algorithm>
#include <cstdio>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "http/xml_error.hpp"
#include "stores/azure/azure_store.hpp"
#include "stores/azure/azure_xml.hpp"
#include "util/base64.hpp"
#include "util/md5.hpp"
#include "util/uri_encode.hpp"

namespace objectfs::internal {
namespace {

constexpr int kMaxBlocks = 50000;
// How long a pending Copy Blob is waited for, and the polls' spacing.
constexpr auto kCopyWait = std::chrono::minutes(10);
constexpr auto kFirstPoll = std::chrono::milliseconds(50);
constexpr auto kMaxPoll = std::chrono::seconds(2);

std::string Quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string ContentType(const WriteConditions& conditions) {
  return conditions.content_type.empty() ? "application/octet-stream" : conditions.content_type;
}

std::string ErrorCode(const HttpResponse& response) {
  if (const std::string* code = response.Header("x-ms-error-code")) return *code;
  return ParseXmlError(response.status, response.body).code;
}

// A conditional write that found a blob: 409 BlobAlreadyExists or 412 ConditionNotMet.
bool SaysExists(const HttpResponse& response) {
  if (response.status != 409 && response.status != 412) return false;
  const std::string code = ErrorCode(response);
  return code == "BlobAlreadyExists" || code == "ConditionNotMet" || code.empty();
}

// (Generic: AzureStore::Call is private to the store and its upload.)
std::string BlobName(const auto& call) {
  return "blob " + Quoted(call.blob) + " in container " + Quoted(call.container);
}

// 16 hex digits that tell this upload's blocks from another's under the same
// blob (uncommitted blocks of a failed upload linger for a week).
std::string RandomToken() {
  std::random_device device;
  const uint64_t value = (uint64_t{device()} << 32) | device();
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(value));
  return buf;
}

}  // namespace

StoreCapabilities AzureStore::Capabilities() const {
  StoreCapabilities caps;
  caps.write = caps.remove = caps.conditional_create = true;
  caps.server_side_copy = caps.parallel_parts = true;
  // List Blobs' <Etag> is the HEAD's ETag once quoted (azure_xml.cpp quotes it).
  caps.listing_pins = true;
  caps.max_parts = kMaxBlocks;
  return caps;
}

Result<AzureStore::Call> AzureStore::BlobCallFor(std::string_view key) const {
  OBJECTFS_ASSIGN_OR_RETURN(Call call, CallFor(key));
  if (call.blob.empty()) {
    return InvalidArgument("no blob name given for container " + Quoted(call.container));
  }
  return call;
}

// Put Block per part, under block ids of one fixed length (Azure wants all
// ids of a blob equally long): base64("objectfs-TOKEN-NNNNNNNN").
class AzureUpload : public StoreUpload {
 public:
  AzureUpload(AzureStore* store, AzureStore::Call target, std::string key,
              WriteConditions conditions)
      : store_(store),
        target_(std::move(target)),
        key_(std::move(key)),
        conditions_(std::move(conditions)),
        token_(RandomToken()) {}

  std::string id() const override { return token_; }

  Status UploadPart(int number, uint64_t, std::span<const std::byte> bytes) override {
    if (number < 1 || number > kMaxBlocks) {
      return InvalidArgument("Put Block of " + BlobName(target_) + ": part " +
                             std::to_string(number) + " is outside 1.." +
                             std::to_string(kMaxBlocks));
    }
    AzureStore::Call call = target_;
    call.method = "PUT";
    call.kind = RequestKind::kPut;
    call.query = {{"comp", "block"}, {"blockid", BlockId(number)}};
    call.headers.emplace_back("Content-Type", "application/octet-stream");
    call.headers.emplace_back("Content-MD5", ContentMd5(bytes));
    call.payload = bytes;
    OBJECTFS_ASSIGN_OR_RETURN(HttpResponse response, store_->Send(call));
    if (response.status != 201) return store_->ErrorStatus(call, response);
    std::lock_guard lock(mu_);
    parts_.insert(number);
    return Status::Ok();
  }

  Result<ObjectInfo> Commit(int part_count, uint64_t total_size) override {
    std::string xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>";
    {
      std::lock_guard lock(mu_);
      for (int n = 1; n <= part_count; ++n) {
        if (!parts_.contains(n)) {
          return Internal("Put Block List of " + BlobName(target_) + " without part " +
                          std::to_string(n));
        }
        xml += "<Latest>" + BlockId(n) + "</Latest>";
      }
    }
    xml += "</BlockList>";
    AzureStore::Call call = target_;
    call.method = "PUT";
    call.kind = RequestKind::kPut;
    call.query = {{"comp", "blocklist"}};
    call.headers.emplace_back("Content-Type", "application/xml");
    call.headers.emplace_back("Content-MD5", ContentMd5(std::as_bytes(std::span(xml))));
    call.headers.emplace_back("x-ms-blob-content-type", ContentType(conditions_));
    if (conditions_.if_none_match) call.headers.emplace_back("If-None-Match", "*");
    call.body = std::move(xml);
    Result<HttpResponse> sent = store_->Send(call);
    // A retried Put Block List whose first try made the blob (its answer was
    // lost) finds the key taken; one that never got an answer may have made
    // it too. The blob's committed blocks say whether it is this upload's.
    if (!sent.ok() || (conditions_.if_none_match && SaysExists(*sent))) {
      auto landed = Landed(part_count, total_size);
      if (landed.ok()) return landed;
    }
    OBJECTFS_ASSIGN_OR_RETURN(HttpResponse response, std::move(sent));
    if (conditions_.if_none_match && SaysExists(response)) {
      return AlreadyExists(BlobName(target_) + " exists");
    }
    if (response.status != 201) return store_->ErrorStatus(call, response);
    ObjectInfo info;
    info.key = key_;
    info.size = total_size;
    VersionFromHeaders(response, &info);
    return info;
  }

  // Azure has no call that drops uncommitted blocks: they expire after seven
  // days, or go when the blob is next committed. Nothing is visible meanwhile.
  Status Abort() override { return Status::Ok(); }

 private:
  // The blob under the key when its committed blocks are exactly this
  // upload's 1..part_count (ids carry the upload's random token).
  Result<ObjectInfo> Landed(int part_count, uint64_t total_size) {
    AzureStore::Call call = target_;
    call.method = "GET";
    call.kind = RequestKind::kOther;
    call.query = {{"comp", "blocklist"}, {"blocklisttype", "committed"}};
    OBJECTFS_ASSIGN_OR_RETURN(HttpResponse response, store_->Send(call));
    if (response.status != 200) return store_->ErrorStatus(call, response);
    OBJECTFS_ASSIGN_OR_RETURN(std::vector<std::string> ids, ParseCommittedBlocks(response.body));
    bool ours = ids.size() == static_cast<size_t>(part_count);
    for (int n = 1; ours && n <= part_count; ++n) ours = ids[n - 1] == BlockId(n);
    if (!ours) return NotFound(BlobName(target_) + " holds another upload's blocks");
    auto info = store_->Stat(key_);
    if (info.ok() && info->size != total_size) {
      return NotFound(BlobName(target_) + " holds another size");
    }
    return info;
  }

  std::string BlockId(int number) const {
    // Room for any int (GCC checks the format's worst case under TSan's -O2);
    // part numbers stay under Azure's 50000 blocks, so every id has 8 digits.
    char digits[16];
    std::snprintf(digits, sizeof digits, "%08d", number);
    return Base64Encode("objectfs-" + token_ + "-" + digits);
  }

  AzureStore* const store_;  // outlived: the Writer holds the store
  const AzureStore::Call target_;
  const std::string key_;
  const WriteConditions conditions_;
  const std::string token_;
  std::mutex mu_;
  std::set<int> parts_;
};

Result<ObjectInfo> AzureStore::Put(std::string_view key, std::span<const std::byte> bytes,
                                   const WriteConditions& conditions) {
  OBJECTFS_ASSIGN_OR_RETURN(Call call, BlobCallFor(key));
  call.method = "PUT";
  call.kind = RequestKind::kPut;
  call.headers.emplace_back("x-ms-blob-type", "BlockBlob");
  call.headers.emplace_back("Content-Type", ContentType(conditions));
  call.headers.emplace_back("Content-MD5", ContentMd5(bytes));
  if (conditions.if_none_match) call.headers.emplace_back("If-None-Match", "*");
  call.payload = bytes;
  OBJECTFS_ASSIGN_OR_RETURN(HttpResponse response, Send(call));
  if (conditions.if_none_match && SaysExists(response)) {
    return AlreadyExists(BlobName(call) + " exists");
  }
  if (response.status != 201) return ErrorStatus(call, response);
  ObjectInfo info;
  info.key = std::string(key);
  info.size = bytes.size();
  VersionFromHeaders(response, &info);
  return info;
}

Result<std::unique_ptr<StoreUpload>> AzureStore::StartUpload(std::string_view key,
                                                             const WriteConditions& conditions) {
  // Nothing to ask the server: blocks are staged under the blob's name.
  OBJECTFS_ASSIGN_OR_RETURN(Call call, BlobCallFor(key));
  return std::unique_ptr<StoreUpload>(
      std::make_unique<AzureUpload>(this, std::move(call), std::string(key), conditions));
}

Status AzureStore::Delete(std::string_view key) {
  OBJECTFS_ASSIGN_OR_RETURN(Call call, BlobCallFor(key));
  call.method = "DELETE";
  call.kind = RequestKind::kDelete;
  OBJECTFS_ASSIGN_OR_RETURN(HttpResponse response, Send(call));
  if (response.status != 202 && response.status != 200) return ErrorStatus(call, response);
  return Status::Ok();
}

std::string AzureStore::BlobUrl(const Call& call) const {
  std::string url = origin_ + base_path_ + "/" + UriEncode(call.container, true) + "/" +
                    UriEncode(call.blob, false);
  // A SharedKey request authorizes a source in its own account; a SAS must travel along.
  if (!credentials_.sas_token.empty() && credentials_.account_key.empty()) {
    url += "?" + credentials_.sas_token;
  }
  return url;
}

Result<ObjectInfo> AzureStore::Copy(std::string_view source, const ReadConditions& source_pin,
                                    std::string_view destination,
                                    const WriteConditions& conditions) {
  OBJECTFS_ASSIGN_OR_RETURN(Call from, BlobCallFor(source));
  OBJECTFS_ASSIGN_OR_RETURN(Call call, BlobCallFor(destination));
  // The size, and the ETag to pin when the caller pinned none.
  OBJECTFS_ASSIGN_OR_RETURN(ObjectInfo info, Stat(source));
  const std::string pin = source_pin.if_match.empty() ? info.etag : source_pin.if_match;
  call.method = "PUT";
  call.kind = RequestKind::kPut;
  call.headers.emplace_back("x-ms-copy-source", BlobUrl(from));
  if (!pin.empty()) call.headers.emplace_back("x-ms-source-if-match", pin);
  if (conditions.if_none_match) call.headers.emplace_back("If-None-Match", "*");
  OBJECTFS_ASSIGN_OR_RETURN(HttpResponse response, Send(call));
  const std::string code = response.status >= 300 ? ErrorCode(response) : "";
  if (code == "SourceConditionNotMet" || (response.status == 412 && code.empty())) {
    return ObjectChanged("Copy Blob from " + BlobName(from) + ": its ETag is no longer " + pin +
                         " (HTTP 412)");
  }
  if (conditions.if_none_match && SaysExists(response)) {
    return AlreadyExists(BlobName(call) + " exists");
  }
  if (response.status == 404 && code != "ContainerNotFound") return ErrorStatus(from, response);
  if (response.status != 202 && response.status != 201) return ErrorStatus(call, response);
  const std::string* status = response.Header("x-ms-copy-status");
  if (status != nullptr && *status == "pending") {
    const std::string* id = response.Header("x-ms-copy-id");
    OBJECTFS_ASSIGN_OR_RETURN(response, AwaitCopy(call, id != nullptr ? *id : ""));
  } else if (status != nullptr && *status != "success") {
    return Unavailable("Copy Blob to " + BlobName(call) + ": x-ms-copy-status " + *status);
  }
  ObjectInfo copied;
  copied.key = std::string(destination);
  copied.size = info.size;
  VersionFromHeaders(response, &copied);
  return copied;
}

Result<HttpResponse> AzureStore::AwaitCopy(const Call& destination, const std::string& copy_id) {
  const auto deadline = std::chrono::steady_clock::now() + kCopyWait;
  std::chrono::milliseconds delay = kFirstPoll;
  for (;;) {
    std::this_thread::sleep_for(delay);
    delay = std::min<std::chrono::milliseconds>(delay * 2, kMaxPoll);
    Call call = destination;
    call.method = "HEAD";
    call.kind = RequestKind::kHead;
    OBJECTFS_ASSIGN_OR_RETURN(HttpResponse response, Send(call));
    if (response.status != 200) return ErrorStatus(call, response);
    const std::string* id = response.Header("x-ms-copy-id");
    if (!copy_id.empty() && id != nullptr && *id != copy_id) {
      return ObjectChanged("Copy Blob to " + BlobName(call) +
                           ": another copy or write replaced it while it was pending");
    }
    const std::string* status = response.Header("x-ms-copy-status");
    if (status == nullptr || *status == "success") return response;
    if (*status != "pending") {
      const std::string* why = response.Header("x-ms-copy-status-description");
      return Unavailable("Copy Blob to " + BlobName(call) + ": x-ms-copy-status " + *status +
                         (why != nullptr ? " (" + *why + ")" : ""));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return Unavailable("Copy Blob to " + BlobName(call) + ": still pending after " +
                         std::to_string(kCopyWait.count()) + " minutes");
    }
  }
}

}  // namespace objectfs::internal
