// Options for a Client. Defaults suit a cloud endpoint; every field can be set
// from the CLI, the mount or Python.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "objectfs/log.hpp"

namespace objectfs {

struct RetryOptions {
  int max_attempts = 5;  // total tries per request, first one included
  std::chrono::milliseconds initial_backoff{100};
  std::chrono::milliseconds max_backoff{5000};
};

struct HttpOptions {
  std::chrono::milliseconds connect_timeout{5000};
  // A transfer slower than low_speed_limit_bytes/s for low_speed_time is aborted
  // (and retried): a stalled server never hangs a read.
  std::chrono::seconds low_speed_time{30};
  long low_speed_limit_bytes = 1;
  int max_connections = 64;  // upper bound on concurrent requests per Client
  std::string ca_bundle;     // empty: curl's default (honours CURL_CA_BUNDLE)
  RetryOptions retry;
};

struct S3Options {
  std::string endpoint_url;   // empty: AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL / AWS
  std::string region;         // empty: AWS_REGION / AWS_DEFAULT_REGION / config / us-east-1
  std::string profile;        // empty: AWS_PROFILE / "default"
  std::string access_key_id;  // explicit credentials win over every other source
  std::string secret_access_key;
  std::string session_token;
  bool force_path_style = false;  // implied for IP-address and localhost endpoints
  bool no_sign_request = false;   // anonymous access to public buckets
};

struct GcsOptions {
  // JSON API endpoint, e.g. a private one; empty: https://storage.googleapis.com.
  std::string endpoint;
  // An emulator (host:port or http://host:port), unauthenticated; empty:
  // STORAGE_EMULATOR_HOST. Wins over `endpoint`.
  std::string emulator_host;
  // Service-account or authorized-user JSON file; empty: GOOGLE_APPLICATION_CREDENTIALS,
  // then gcloud's application default credentials, then the GCE metadata server.
  std::string credentials_file;
  bool anonymous = false;  // public buckets: no Authorization header
};

// Azure Blob. Empty fields fall back to AZURE_STORAGE_CONNECTION_STRING, then
// AZURE_STORAGE_ACCOUNT with AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN.
struct AzureOptions {
  std::string connection_string;  // "AccountName=...;AccountKey=...;BlobEndpoint=..."
  std::string account;            // storage account name
  std::string account_key;        // base64 SharedKey; wins over sas_token
  std::string sas_token;          // "sv=...&sig=...", with or without the leading '?'
  std::string endpoint_url;       // blob endpoint, e.g. http://127.0.0.1:10000/devstoreaccount1
  bool anonymous = false;         // unsigned requests (public containers)
};

struct ReadOptions {
  uint64_t part_size = 8ull << 20;  // bytes per ranged GET and per upload part
  int max_parallel_requests = 16;   // ranged GETs in flight per Client
  // One budget for the memory cache and in-flight readahead of all files of a
  // Client. 0 = min(2 GiB, 25% of physical memory).
  uint64_t memory_limit = 0;
  uint64_t initial_readahead = 1ull << 20;  // first window of a sequential stream
  // The window doubles up to this, and to no more than the parallel GETs
  // carry (max_parallel_requests x part_size).
  uint64_t max_readahead = 256ull << 20;
  // Cache granularity: random reads fetch only the blocks they touch.
  uint64_t block_size = 64ull << 10;
  // PRead of at least this many bytes bypasses the cache and downloads its parts
  // in parallel straight into the caller's buffer. 0 = part_size.
  uint64_t direct_read_threshold = 0;
};

// Logs, metrics and prices (docs/observability.md).
struct ObserveOptions {
  std::string log_level = "warn";   // error, warn, info, debug (every request)
  std::string log_format = "text";  // text or json (one object per line)
  std::string log_file;             // append here; empty: the front's choice (stderr)
  // HOST:PORT serving GET /metrics (Prometheus text) while the Client lives.
  std::string metrics_address;
  // Written with the same families when the Client ends (textfile collector).
  std::string metrics_file;
  // YAML list prices (currency, per_1000_requests, per_gb_egress); empty:
  // S3 Standard, GCS Standard and Azure Hot defaults.
  std::string price_table;
};

// The shared (fleet) tier (docs/fleet.md).
struct FleetOptions {
  // Bucket/prefix of a writable store holding disk-cache blocks as objects,
  // e.g. s3://fleet-cache/models/; empty: no shared tier.
  std::string shared_cache;
  // An HTTP(S) cache or CDN in front of shared_cache's bucket and prefix, for
  // reads (block names are immutable); writes still go to shared_cache.
  std::string shared_cache_read_url;
  // Cooperative cold start: `fleet_size` nodes reading the same objects fetch
  // from the origin only the blocks of their `fleet_rank` (0-based) and wait
  // up to `fleet_wait` for the others' blocks to appear in shared_cache.
  int fleet_size = 1;
  int fleet_rank = 0;
  std::chrono::milliseconds fleet_wait{20000};
};

struct ClientOptions {
  S3Options s3;
  GcsOptions gcs;
  AzureOptions azure;
  HttpOptions http;
  ReadOptions read;
  // Persistent disk cache shared by every process using the same directory
  // (created 0700). Empty: OBJECTFS_CACHE_DIR, else no disk cache.
  std::string cache_dir;
  // Bytes the disk cache may hold; 0 = 10 GiB. It also leaves min(5 GiB, 10%
  // of the file system) free, evicting least recently used blocks first.
  uint64_t cache_size = 0;
  // What the Client does not return as an error (blocks it could not store,
  // the credential source it chose) and, at debug level, each request; empty:
  // a LogWriter of log_file/log_format when log_file is set, else nothing.
  LogSink log = {};
  ObserveOptions observe;
  FleetOptions fleet;
};

}  // namespace objectfs
