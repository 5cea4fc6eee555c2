// The option table: the one place an option is described. Add an option here
// and every front (CLI, -o, Python, environment, config file, README) has it.
#include <algorithm>
#include <cctype>

#include "objectfs/option_schema.hpp"
#include "options/option_text.hpp"

namespace objectfs {
namespace {

using T = OptionType;

// Where the option lands: a pointer to a ClientOptions member.
#define OBJECTFS_FIELD(member) [](ClientOptions& o) -> OptionField { return &o.member; }

constexpr std::string_view kS3 = "S3";
constexpr std::string_view kGcs = "Google Cloud Storage";
constexpr std::string_view kAzure = "Azure Blob";
constexpr std::string_view kRead = "Reading";
constexpr std::string_view kHttp = "HTTP";
constexpr std::string_view kDisk = "Disk cache";
constexpr std::string_view kObserve = "Logs, metrics and cost";
constexpr std::string_view kFleet = "Shared (fleet) cache";

const OptionInfo kOptions[] = {
    {.name = "endpoint_url",
     .type = T::kString,
     .group = kS3,
     .help = "S3-compatible endpoint, e.g. http://127.0.0.1:7480 (path-style is automatic for IP "
             "and localhost endpoints; else the profile's, else AWS)",
     .env = {"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"},
     .env_read_by_library = true,
     .value_name = "URL",
     .field = OBJECTFS_FIELD(s3.endpoint_url)},
    {.name = "region",
     .type = T::kString,
     .group = kS3,
     .help = "S3 region (else the profile's, else us-east-1)",
     .env = {"AWS_REGION", "AWS_DEFAULT_REGION"},
     .env_read_by_library = true,
     .value_name = "REGION",
     .field = OBJECTFS_FIELD(s3.region)},
    {.name = "profile",
     .type = T::kString,
     .group = kS3,
     .help = "profile in ~/.aws/credentials and ~/.aws/config (else \"default\")",
     .env = {"AWS_PROFILE"},
     .env_read_by_library = true,
     .value_name = "NAME",
     .field = OBJECTFS_FIELD(s3.profile)},
    {.name = "aws_access_key_id",
     .type = T::kString,
     .group = kS3,
     .help = "access key; explicit keys win over every other credential source",
     .env = {"AWS_ACCESS_KEY_ID"},
     .env_read_by_library = true,
     .value_name = "KEY",
     .field = OBJECTFS_FIELD(s3.access_key_id)},
    {.name = "aws_secret_access_key",
     .type = T::kString,
     .group = kS3,
     .help = "secret key of aws_access_key_id",
     .env = {"AWS_SECRET_ACCESS_KEY"},
     .env_read_by_library = true,
     .value_name = "SECRET",
     .field = OBJECTFS_FIELD(s3.secret_access_key)},
    {.name = "aws_session_token",
     .type = T::kString,
     .group = kS3,
     .help = "session token of temporary credentials",
     .env = {"AWS_SESSION_TOKEN"},
     .env_read_by_library = true,
     .value_name = "TOKEN",
     .field = OBJECTFS_FIELD(s3.session_token)},
    {.name = "no_sign_request",
     .type = T::kBool,
     .group = kS3,
     .help = "anonymous requests (public buckets)",
     .env = {"OBJECTFS_NO_SIGN_REQUEST"},
     .field = OBJECTFS_FIELD(s3.no_sign_request)},
    {.name = "force_path_style",
     .type = T::kBool,
     .group = kS3,
     .help = "http://host/bucket/key instead of http://bucket.host/key",
     .env = {"OBJECTFS_FORCE_PATH_STYLE"},
     .field = OBJECTFS_FIELD(s3.force_path_style)},

    {.name = "gcs_credentials",
     .type = T::kString,
     .group = kGcs,
     .help = "service-account or authorized-user JSON file (else gcloud's application default "
             "credentials, else the GCE metadata server)",
     .env = {"GOOGLE_APPLICATION_CREDENTIALS"},
     .env_read_by_library = true,
     .value_name = "FILE",
     .field = OBJECTFS_FIELD(gcs.credentials_file)},
    {.name = "gcs_endpoint",
     .type = T::kString,
     .group = kGcs,
     .help = "JSON API endpoint",
     .env = {"OBJECTFS_GCS_ENDPOINT"},
     .value_name = "URL",
     .zero_means = "https://storage.googleapis.com",
     .field = OBJECTFS_FIELD(gcs.endpoint)},
    {.name = "gcs_emulator_host",
     .type = T::kString,
     .group = kGcs,
     .help = "an emulator (host:port or http://host:port), unauthenticated; wins over "
             "gcs_endpoint",
     .env = {"STORAGE_EMULATOR_HOST"},
     .env_read_by_library = true,
     .value_name = "HOST:PORT",
     .field = OBJECTFS_FIELD(gcs.emulator_host)},
    {.name = "gcs_anonymous",
     .type = T::kBool,
     .group = kGcs,
     .help = "anonymous requests (public buckets)",
     .env = {"OBJECTFS_GCS_ANONYMOUS"},
     .field = OBJECTFS_FIELD(gcs.anonymous)},

    {.name = "azure_connection_string",
     .type = T::kString,
     .group = kAzure,
     .help = "\"AccountName=...;AccountKey=...;BlobEndpoint=...\"; wins over the options below",
     .env = {"AZURE_STORAGE_CONNECTION_STRING"},
     .env_read_by_library = true,
     .alias = "connection_string",
     .value_name = "STRING",
     .field = OBJECTFS_FIELD(azure.connection_string)},
    {.name = "azure_account_name",
     .type = T::kString,
     .group = kAzure,
     .help = "storage account name",
     .env = {"AZURE_STORAGE_ACCOUNT"},
     .env_read_by_library = true,
     .alias = "account_name",
     .value_name = "NAME",
     .field = OBJECTFS_FIELD(azure.account)},
    {.name = "azure_account_key",
     .type = T::kString,
     .group = kAzure,
     .help = "base64 SharedKey of the account; wins over the SAS token",
     .env = {"AZURE_STORAGE_KEY"},
     .env_read_by_library = true,
     .alias = "account_key",
     .value_name = "KEY",
     .field = OBJECTFS_FIELD(azure.account_key)},
    {.name = "azure_sas_token",
     .type = T::kString,
     .group = kAzure,
     .help = "SAS token \"sv=...&sig=...\", with or without the leading '?'",
     .env = {"AZURE_STORAGE_SAS_TOKEN"},
     .env_read_by_library = true,
     .alias = "sas_token",
     .value_name = "TOKEN",
     .field = OBJECTFS_FIELD(azure.sas_token)},
    {.name = "azure_blob_endpoint",
     .type = T::kString,
     .group = kAzure,
     .help = "blob endpoint, e.g. http://127.0.0.1:10000/devstoreaccount1",
     .env = {"OBJECTFS_AZURE_BLOB_ENDPOINT"},
     .alias = "blob_endpoint",
     .value_name = "URL",
     .zero_means = "https://ACCOUNT.blob.core.windows.net",
     .field = OBJECTFS_FIELD(azure.endpoint_url)},
    {.name = "azure_anonymous",
     .type = T::kBool,
     .group = kAzure,
     .help = "unsigned requests (public containers)",
     .env = {"OBJECTFS_AZURE_ANONYMOUS"},
     .field = OBJECTFS_FIELD(azure.anonymous)},

    {.name = "part_size",
     .type = T::kSize,
     .group = kRead,
     .help = "bytes per ranged GET and per upload part (at least 64K; uploads use at least the "
             "store's minimum, S3: 5M)",
     .env = {"OBJECTFS_PART_SIZE"},
     .field = OBJECTFS_FIELD(read.part_size)},
    {.name = "max_parallel_requests",
     .type = T::kInt,
     .group = kRead,
     .help = "ranged GETs in flight per Client (1 to 1024)",
     .env = {"OBJECTFS_MAX_PARALLEL_REQUESTS"},
     .field = OBJECTFS_FIELD(read.max_parallel_requests)},
    {.name = "memory_limit",
     .type = T::kSize,
     .group = kRead,
     .help = "one budget for cached blocks and in-flight readahead (auto: min(2G, 25% of RAM))",
     .env = {"OBJECTFS_MEMORY_LIMIT"},
     .zero_means = "auto",
     .field = OBJECTFS_FIELD(read.memory_limit)},
    {.name = "initial_readahead",
     .type = T::kSize,
     .group = kRead,
     .help = "first readahead window of a sequential reader",
     .env = {"OBJECTFS_INITIAL_READAHEAD"},
     .field = OBJECTFS_FIELD(read.initial_readahead)},
    {.name = "max_readahead",
     .type = T::kSize,
     .group = kRead,
     .help = "largest readahead window (and at most max_parallel_requests x part_size)",
     .env = {"OBJECTFS_MAX_READAHEAD"},
     .field = OBJECTFS_FIELD(read.max_readahead)},
    {.name = "block_size",
     .type = T::kSize,
     .group = kRead,
     .help = "memory-cache granularity: random reads fetch only the blocks they touch",
     .env = {"OBJECTFS_BLOCK_SIZE"},
     .field = OBJECTFS_FIELD(read.block_size)},
    {.name = "direct_read_threshold",
     .type = T::kSize,
     .group = kRead,
     .help = "a read of at least this many bytes bypasses the cache, its parts downloaded in "
             "parallel into the caller's buffer",
     .env = {"OBJECTFS_DIRECT_READ_THRESHOLD"},
     .zero_means = "part_size",
     .field = OBJECTFS_FIELD(read.direct_read_threshold)},
    {.name = "prefetch_formats",
     .type = T::kString,
     .group = kRead,
     .help = "auto or off. auto: once a .safetensors header is read, prefetch its tensors in the "
             "order loaders read them (by name), within memory_limit; a read of a "
             "*.safetensors.index.json starts the header reads of its shards; a read of the end "
             "of a .pt/.pth/.bin/.ckpt torch.save zip prefetches its records in the order "
             "torch.load reads them; a .gguf header read prefetches its tensors layer by layer, "
             "in the order llama.cpp loads them; off: plain readahead only",
     .env = {"OBJECTFS_PREFETCH_FORMATS"},
     .value_name = "MODE",
     .field = OBJECTFS_FIELD(read.prefetch_formats)},

    {.name = "max_attempts",
     .type = T::kInt,
     .group = kHttp,
     .help = "tries per request, the first included (retries back off on 5xx, 429, SlowDown and "
             "network errors; never on other 4xx)",
     .env = {"OBJECTFS_MAX_ATTEMPTS"},
     .field = OBJECTFS_FIELD(http.retry.max_attempts)},
    {.name = "retry_initial_backoff",
     .type = T::kSeconds,
     .group = kHttp,
     .help = "delay before the first retry; it doubles, with jitter",
     .env = {"OBJECTFS_RETRY_INITIAL_BACKOFF"},
     .field = OBJECTFS_FIELD(http.retry.initial_backoff)},
    {.name = "retry_max_backoff",
     .type = T::kSeconds,
     .group = kHttp,
     .help = "longest delay between retries",
     .env = {"OBJECTFS_RETRY_MAX_BACKOFF"},
     .field = OBJECTFS_FIELD(http.retry.max_backoff)},
    {.name = "connect_timeout",
     .type = T::kSeconds,
     .group = kHttp,
     .help = "seconds to wait for a connection",
     .env = {"OBJECTFS_CONNECT_TIMEOUT"},
     .field = OBJECTFS_FIELD(http.connect_timeout)},
    {.name = "read_timeout",
     .type = T::kSeconds,
     .group = kHttp,
     .help = "seconds below low_speed_limit before a request is aborted and retried",
     .env = {"OBJECTFS_READ_TIMEOUT"},
     .field = OBJECTFS_FIELD(http.low_speed_time)},
    {.name = "low_speed_limit",
     .type = T::kSize,
     .group = kHttp,
     .help = "bytes per second below which a transfer counts as stalled (each try of N bytes "
             "ends within connect_timeout + read_timeout + N / low_speed_limit)",
     .env = {"OBJECTFS_LOW_SPEED_LIMIT"},
     .field = OBJECTFS_FIELD(http.low_speed_limit_bytes)},
    {.name = "max_connections",
     .type = T::kInt,
     .group = kHttp,
     .help = "concurrent requests per Client",
     .env = {"OBJECTFS_MAX_CONNECTIONS"},
     .field = OBJECTFS_FIELD(http.max_connections)},
    {.name = "ca_bundle",
     .type = T::kString,
     .group = kHttp,
     .help = "CA certificates file for HTTPS",
     .env = {"OBJECTFS_CA_BUNDLE"},
     .value_name = "FILE",
     .zero_means = "curl's default",
     .field = OBJECTFS_FIELD(http.ca_bundle)},

    {.name = "cache_dir",
     .type = T::kString,
     .group = kDisk,
     .help = "persistent disk cache shared by every process using the directory (created 0700); "
             "none when unset",
     .env = {"OBJECTFS_CACHE_DIR"},
     .env_read_by_library = true,
     .value_name = "DIR",
     .field = OBJECTFS_FIELD(cache_dir)},
    {.name = "cache_size",
     .type = T::kSize,
     .group = kDisk,
     .help = "most bytes the disk cache holds; it also keeps min(5G, 10% of the disk) free",
     .env = {"OBJECTFS_CACHE_SIZE"},
     .zero_means = "10G",
     .field = OBJECTFS_FIELD(cache_size)},
    {.name = "shared_cache",
     .type = T::kString,
     .group = kFleet,
     .help = "bucket/prefix that holds disk-cache blocks as objects for a fleet, e.g. "
             "s3://fleet-cache/blocks/: read before the origin, filled in the background",
     .env = {"OBJECTFS_SHARED_CACHE"},
     .value_name = "URI",
     .field = OBJECTFS_FIELD(fleet.shared_cache)},
    {.name = "shared_cache_read_url",
     .type = T::kString,
     .group = kFleet,
     .help = "read shared_cache's blocks through this HTTP(S) cache or CDN in front of its "
             "bucket and prefix (writes still go to the bucket)",
     .env = {"OBJECTFS_SHARED_CACHE_READ_URL"},
     .value_name = "URL",
     .field = OBJECTFS_FIELD(fleet.shared_cache_read_url)},
    {.name = "fleet_size",
     .type = T::kInt,
     .group = kFleet,
     .help = "nodes reading the same objects at once: each fetches 1/N of the blocks from the "
             "origin and reads the rest from shared_cache",
     .env = {"OBJECTFS_FLEET_SIZE"},
     .field = OBJECTFS_FIELD(fleet.fleet_size)},
    {.name = "fleet_rank",
     .type = T::kInt,
     .group = kFleet,
     .help = "this node's rank, 0 to fleet_size - 1 (a Kubernetes indexed Job's "
             "JOB_COMPLETION_INDEX)",
     .env = {"OBJECTFS_FLEET_RANK", "JOB_COMPLETION_INDEX"},
     .field = OBJECTFS_FIELD(fleet.fleet_rank)},
    {.name = "fleet_wait",
     .type = T::kSeconds,
     .group = kFleet,
     .help = "longest wait for another rank's block before fetching it from the origin (a rank "
             "that missed it once is not waited for again)",
     .env = {"OBJECTFS_FLEET_WAIT"},
     .field = OBJECTFS_FIELD(fleet.fleet_wait)},
    {.name = "log_level",
     .type = T::kString,
     .group = kObserve,
     .help = "error, warn, info or debug (debug: every request, with its status, time and the "
             "server's request id)",
     .env = {"OBJECTFS_LOG_LEVEL"},
     .value_name = "LEVEL",
     .field = OBJECTFS_FIELD(observe.log_level)},
    {.name = "log_format",
     .type = T::kString,
     .group = kObserve,
     .help = "text, or json: one object per line with time, level, message, uri, request_id",
     .env = {"OBJECTFS_LOG_FORMAT"},
     .value_name = "FORMAT",
     .field = OBJECTFS_FIELD(observe.log_format)},
    {.name = "log_file",
     .type = T::kString,
     .group = kObserve,
     .help = "append log lines here (created 0600); else stderr (the mount in the background: "
             "nowhere)",
     .env = {"OBJECTFS_LOG_FILE"},
     .value_name = "PATH",
     .field = OBJECTFS_FIELD(observe.log_file)},
    {.name = "metrics_address",
     .type = T::kString,
     .group = kObserve,
     .help = "serve Prometheus metrics at http://HOST:PORT/metrics while running, e.g. "
             "127.0.0.1:9464",
     .env = {"OBJECTFS_METRICS_ADDRESS"},
     .value_name = "HOST:PORT",
     .field = OBJECTFS_FIELD(observe.metrics_address)},
    {.name = "metrics_file",
     .type = T::kString,
     .group = kObserve,
     .help = "write the same metrics here at exit (node_exporter textfile format)",
     .env = {"OBJECTFS_METRICS_FILE"},
     .value_name = "PATH",
     .field = OBJECTFS_FIELD(observe.metrics_file)},
    {.name = "price_table",
     .type = T::kString,
     .group = kObserve,
     .help = "YAML list prices (currency, per_1000_requests, per_gb_egress) for the run's "
             "cost; default: S3 Standard, GCS Standard, Azure Hot",
     .env = {"OBJECTFS_PRICE_TABLE"},
     .value_name = "FILE",
     .field = OBJECTFS_FIELD(observe.price_table)},
};

#undef OBJECTFS_FIELD

std::string Normalized(std::string_view name) {
  std::string out(name);
  std::replace(out.begin(), out.end(), '-', '_');
  return out;
}

std::string Dashed(std::string_view name) {
  std::string out = "--" + std::string(name);
  std::replace(out.begin(), out.end(), '_', '-');
  return out;
}

}  // namespace

std::span<const OptionInfo> Options() { return kOptions; }

const OptionInfo* FindOption(std::string_view name) {
  const std::string key = Normalized(name);
  for (const OptionInfo& info : kOptions) {
    if (info.name == key || (!info.alias.empty() && info.alias == key)) return &info;
  }
  return nullptr;
}

std::string OptionInfo::Flag() const { return Dashed(name); }
std::string OptionInfo::AliasFlag() const { return alias.empty() ? "" : Dashed(alias); }

std::string_view OptionInfo::ValueName() const {
  if (!value_name.empty()) return value_name;
  switch (type) {
    case OptionType::kBool:
      return "";
    case OptionType::kInt:
      return "N";
    case OptionType::kSize:
      return "SIZE";
    case OptionType::kSeconds:
      return "SECONDS";
    case OptionType::kString:
      break;
  }
  return "TEXT";
}

std::string OptionInfo::DefaultText() const {
  ClientOptions defaults;
  const OptionField value = field(defaults);
  struct Visitor {
    std::string_view zero_means;
    std::string operator()(std::string* s) const {
      return s->empty() ? std::string(zero_means) : *s;
    }
    std::string operator()(bool* b) const { return *b ? "true" : "false"; }
    std::string operator()(int* n) const { return std::to_string(*n); }
    std::string operator()(long* n) const { return std::to_string(*n); }
    std::string operator()(uint64_t* n) const {
      return *n == 0 && !zero_means.empty() ? std::string(zero_means)
                                            : internal::FormatByteSize(*n);
    }
    std::string operator()(std::chrono::milliseconds* d) const {
      return internal::FormatSeconds(*d);
    }
    std::string operator()(std::chrono::seconds* d) const {
      return internal::FormatSeconds(std::chrono::milliseconds(*d));
    }
  };
  return std::visit(Visitor{zero_means}, value);
}

}  // namespace objectfs
