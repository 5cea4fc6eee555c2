#include "cli_options.hpp"

#include <unistd.h>

#include <cctype>
#include <charconv>

namespace objectfs::cli {

void AddCommonOptions(CLI::App& app, CommonOptions& o) {
  auto& s3 = o.client.s3;
  app.add_option("--endpoint-url", s3.endpoint_url,
                 "S3 endpoint, e.g. http://127.0.0.1:8000 (default: AWS_ENDPOINT_URL_S3, "
                 "AWS_ENDPOINT_URL, profile, AWS)");
  app.add_option("--region", s3.region,
                 "S3 region (default: AWS_REGION, AWS_DEFAULT_REGION, profile, us-east-1)");
  app.add_option("--profile", s3.profile,
                 "profile in ~/.aws/credentials and ~/.aws/config (default: AWS_PROFILE)");
  app.add_flag("--no-sign-request", s3.no_sign_request, "anonymous requests (public buckets)");
  app.add_flag("--force-path-style", s3.force_path_style,
               "path-style URLs (automatic for IP and localhost endpoints)");
  app.add_option("--gcs-credentials", o.client.gcs.credentials_file,
                 "gs://: service-account JSON key file (default: GOOGLE_APPLICATION_CREDENTIALS, "
                 "gcloud ADC, GCE metadata server)");
  app.add_option("--gcs-endpoint", o.client.gcs.endpoint,
                 "gs://: JSON API endpoint (default: https://storage.googleapis.com; "
                 "STORAGE_EMULATOR_HOST selects an emulator)");
  app.add_flag("--gcs-anonymous", o.client.gcs.anonymous,
               "gs://: anonymous requests (public buckets)");
  app.add_option("--part-size", o.part_size, "bytes per ranged GET, e.g. 8M")
      ->capture_default_str();
  app.add_option(
         "--memory-limit", o.memory_limit,
         "one budget for cached blocks and readahead, e.g. 256M (auto: min(2G, 25% of RAM))")
      ->capture_default_str();
  app.add_option("--max-readahead", o.max_readahead,
                 "largest readahead window of a sequential reader")
      ->capture_default_str();
  app.add_option("--max-parallel-requests", o.client.read.max_parallel_requests,
                 "ranged GETs in flight")
      ->capture_default_str();
  app.add_option("--max-attempts", o.client.http.retry.max_attempts,
                 "tries per request, including the first")
      ->capture_default_str();
  app.add_option("--connect-timeout", o.connect_timeout_s, "seconds to wait for a connection")
      ->capture_default_str();
  app.add_option("--read-timeout", o.read_timeout_s,
                 "seconds without incoming data before a request is aborted and retried")
      ->capture_default_str();
  app.add_option("--ca-bundle", o.client.http.ca_bundle, "CA certificates file for HTTPS");
  app.add_option("--cache-dir", o.client.cache_dir,
                 "persistent disk cache shared by every objectfs process using it "
                 "(default: OBJECTFS_CACHE_DIR; none if unset)");
  app.add_option("--cache-size", o.cache_size,
                 "most bytes the disk cache holds, e.g. 50G (default 10G; it also keeps "
                 "min(5G, 10% of the disk) free)");
  app.add_flag("--stats", o.print_stats, "print request and byte counters to stderr on exit");
}

Result<uint64_t> ParseByteSize(std::string_view text) {
  uint64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr == text.data()) {
    return InvalidArgument("invalid size '" + std::string(text) + "' (expected e.g. 8M, 1G, 4096)");
  }
  std::string_view suffix(ptr, end - ptr);
  uint64_t scale = 1;
  if (suffix == "" || suffix == "B") {
    scale = 1;
  } else if (suffix == "K" || suffix == "KiB" || suffix == "k") {
    scale = 1ull << 10;
  } else if (suffix == "M" || suffix == "MiB") {
    scale = 1ull << 20;
  } else if (suffix == "G" || suffix == "GiB") {
    scale = 1ull << 30;
  } else if (suffix == "T" || suffix == "TiB") {
    scale = 1ull << 40;
  } else {
    return InvalidArgument("invalid size suffix in '" + std::string(text) + "' (use K, M, G or T)");
  }
  if (value > UINT64_MAX / scale)
    return InvalidArgument("size '" + std::string(text) + "' is too large");
  return value * scale;
}

Result<ClientOptions> BuildClientOptions(const CommonOptions& o) {
  ClientOptions client = o.client;
  OBJECTFS_ASSIGN_OR_RETURN(client.read.part_size, ParseByteSize(o.part_size));
  if (client.read.part_size < 64 * 1024) return InvalidArgument("--part-size must be at least 64K");
  if (o.memory_limit != "auto") {
    OBJECTFS_ASSIGN_OR_RETURN(client.read.memory_limit, ParseByteSize(o.memory_limit));
    if (client.read.memory_limit < 2 * client.read.part_size) {
      return InvalidArgument("--memory-limit must be at least twice --part-size");
    }
  }
  OBJECTFS_ASSIGN_OR_RETURN(client.read.max_readahead, ParseByteSize(o.max_readahead));
  if (o.connect_timeout_s <= 0) return InvalidArgument("--connect-timeout must be positive");
  client.http.connect_timeout =
      std::chrono::milliseconds(static_cast<int64_t>(o.connect_timeout_s * 1000));
  if (o.read_timeout_s < 1) return InvalidArgument("--read-timeout must be at least 1 second");
  client.http.low_speed_time = std::chrono::seconds(o.read_timeout_s);
  if (!o.cache_size.empty()) {
    OBJECTFS_ASSIGN_OR_RETURN(client.cache_size, ParseByteSize(o.cache_size));
    if (client.cache_size == 0) return InvalidArgument("--cache-size must be positive");
  }
  // The mount changes its working directory when it goes to the background.
  if (!client.cache_dir.empty() && client.cache_dir[0] != '/') {
    char cwd[4096];
    if (::getcwd(cwd, sizeof(cwd)) != nullptr) client.cache_dir = cwd + ("/" + client.cache_dir);
  }
  return client;
}

}  // namespace objectfs::cli
