#include "stores/gcs/gcs_json.hpp"

#include <charconv>
#include <ctime>
#include <nlohmann/json.hpp>

#include "http/rest.hpp"
#include "util/time_formats.hpp"

namespace objectfs::internal {
namespace {

std::string StringField(const nlohmann::json& doc, const char* name) {
  auto it = doc.find(name);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The API sends 64-bit integers as decimal strings.
bool ParseUint(const std::string& text, uint64_t* out) {
  if (text.empty()) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

Result<GcsObjectMetadata> ObjectFromJson(const nlohmann::json& doc) {
  if (!doc.is_object()) return DataLoss("GCS object resource is not a JSON object");
  GcsObjectMetadata object;
  object.info.key = StringField(doc, "name");
  if (object.info.key.empty()) return DataLoss("GCS object resource without \"name\"");
  const std::string where = " in the GCS object resource of '" + object.info.key + "'";
  uint64_t generation = 0;
  if (!ParseUint(StringField(doc, "size"), &object.info.size)) {
    return DataLoss("missing or malformed \"size\"" + where);
  }
  if (object.info.size > kMaxObjectSize) {
    return DataLoss("absurd \"size\" " + std::to_string(object.info.size) + where);
  }
  object.info.version = StringField(doc, "generation");
  if (!ParseUint(object.info.version, &generation)) {
    return DataLoss("missing or malformed \"generation\"" + where);
  }
  object.info.etag = StringField(doc, "etag");
  object.info.mtime = ParseIso8601(StringField(doc, "updated"));
  object.crc32c = StringField(doc, "crc32c");
  object.md5 = StringField(doc, "md5Hash");
  return object;
}

}  // namespace

Result<GcsObjectMetadata> ParseGcsObject(std::string_view json) {
  return ObjectFromJson(nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false));
}

Result<ListPage> ParseGcsObjectList(std::string_view json) {
  const nlohmann::json doc = nlohmann::json::parse(json, nullptr, false);
  if (!doc.is_object()) return DataLoss("GCS object listing is not a JSON object");
  ListPage page;
  if (auto items = doc.find("items"); items != doc.end()) {
    if (!items->is_array()) return DataLoss("GCS object listing: \"items\" is not an array");
    for (const auto& item : *items) {
      OBJECTFS_ASSIGN_OR_RETURN(GcsObjectMetadata object, ObjectFromJson(item));
      page.objects.push_back(std::move(object.info));
    }
  }
  if (auto prefixes = doc.find("prefixes"); prefixes != doc.end()) {
    if (!prefixes->is_array()) return DataLoss("GCS object listing: \"prefixes\" is not an array");
    for (const auto& prefix : *prefixes) {
      if (prefix.is_string()) page.common_prefixes.push_back(prefix.get<std::string>());
    }
  }
  page.next_page_token = StringField(doc, "nextPageToken");
  return page;
}

Result<GcsRewriteProgress> ParseGcsRewrite(std::string_view json) {
  const nlohmann::json doc = nlohmann::json::parse(json, nullptr, false);
  if (!doc.is_object()) return DataLoss("GCS objects.rewrite answer is not a JSON object");
  GcsRewriteProgress progress;
  auto done = doc.find("done");
  progress.done = done != doc.end() && done->is_boolean() && done->get<bool>();
  progress.rewrite_token = StringField(doc, "rewriteToken");
  if (progress.done) {
    auto resource = doc.find("resource");
    if (resource == doc.end()) return DataLoss("GCS objects.rewrite answer without \"resource\"");
    OBJECTFS_ASSIGN_OR_RETURN(progress.resource, ObjectFromJson(*resource));
  } else if (progress.rewrite_token.empty()) {
    return DataLoss("GCS objects.rewrite answer neither done nor with a \"rewriteToken\"");
  }
  return progress;
}

std::string GcsUploadMetadataJson(std::string_view content_type) {
  const nlohmann::json doc = {{"contentType", std::string(content_type)}};
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string GcsErrorMessage(std::string_view body) {
  const nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_object()) {
    if (auto error = doc.find("error"); error != doc.end() && error->is_object()) {
      return StringField(*error, "message");
    }
  }
  if (doc.is_discarded() || doc.is_string()) {
    std::string text = doc.is_string() ? doc.get<std::string>() : std::string(body);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
      text.pop_back();
    }
    if (text.size() > 300) text = text.substr(0, 300) + "...";
    return text;
  }
  return {};
}

}  // namespace objectfs::internal
