// disk_cache_read: warm reads of one object from the disk cache through the C++
// API, against reading the same bytes from a local file.
//
//   disk_cache_read URI --cache-dir DIR [--local FILE] [--repeat 3]
//                   [--endpoint-url U] [--no-sign-request]
//
// 1. Client with cache_dir=DIR; File::WarmDiskCache over every block (16
//    threads; nothing is fetched when `objectfs warm` ran before).
// 2. File::ReadInto into one pre-faulted buffer, `repeat` times; best time.
// 3. With --local: the same buffer filled from FILE by 16 threads of 8 MiB
//    preads (what a loader reading a local copy does); best time.
// Prints one JSON line: bytes, seconds and GB/s of both, their ratio, and the
// GETs sent during the cached reads (0 when every block was cached).
// Credentials and the endpoint come from the environment as for every client.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "objectfs/objectfs.hpp"

namespace {

constexpr int kThreads = 16;
constexpr uint64_t kChunk = 8ull << 20;

[[noreturn]] void Fail(std::string_view message) {
  std::cerr << "disk_cache_read: " << message
            << "\nusage: disk_cache_read URI --cache-dir DIR [--local FILE] [--repeat N]"
               " [--endpoint-url URL] [--no-sign-request]\n";
  std::exit(2);
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// Runs body(i) for i in [0, count) on kThreads threads.
template <typename Body>
void ParallelFor(uint64_t count, Body body) {
  std::atomic<uint64_t> next{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (uint64_t i = next++; i < count; i = next++) body(i);
    });
  }
  for (auto& t : threads) t.join();
}

double ReadLocal(const std::string& path, std::vector<std::byte>& buffer) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) Fail(path + ": " + std::strerror(errno));
  std::atomic<bool> failed{false};
  const auto start = std::chrono::steady_clock::now();
  ParallelFor((buffer.size() + kChunk - 1) / kChunk, [&](uint64_t i) {
    const uint64_t offset = i * kChunk;
    uint64_t done = 0;
    const uint64_t want = std::min<uint64_t>(kChunk, buffer.size() - offset);
    while (done < want) {
      const ssize_t n = ::pread(fd, buffer.data() + offset + done, want - done, offset + done);
      if (n <= 0) {
        failed = true;
        return;
      }
      done += uint64_t(n);
    }
  });
  const double seconds = Seconds(start);
  ::close(fd);
  if (failed) Fail(path + ": short read (is it the same size as the object?)");
  return seconds;
}

}  // namespace

int main(int argc, char** argv) {
  std::string uri, cache_dir, local;
  int repeat = 3;
  objectfs::ClientOptions options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Fail(std::string(arg) + " needs a value");
      return argv[++i];
    };
    if (arg == "--cache-dir") {
      cache_dir = value();
    } else if (arg == "--local") {
      local = value();
    } else if (arg == "--repeat") {
      repeat = std::max(1, std::atoi(value().c_str()));
    } else if (arg == "--endpoint-url") {
      options.s3.endpoint_url = value();
    } else if (arg == "--no-sign-request") {
      options.s3.no_sign_request = true;
    } else if (uri.empty() && !arg.starts_with("--")) {
      uri = arg;
    } else {
      Fail("unknown argument " + std::string(arg));
    }
  }
  if (uri.empty() || cache_dir.empty()) Fail("URI and --cache-dir are required");
  options.cache_dir = cache_dir;
  auto client = objectfs::Client::Create(options);
  if (!client.ok()) Fail(client.status().ToString());
  auto file = (*client)->Open(uri);
  if (!file.ok()) Fail(file.status().ToString());
  const uint64_t size = (*file)->Size();
  const uint64_t block = (*client)->DiskCacheBlockSize();

  std::atomic<uint64_t> warm_fetched{0};
  std::atomic<bool> warm_failed{false};
  ParallelFor((size + block - 1) / block, [&](uint64_t i) {
    auto warmed = (*file)->WarmDiskCache({i * block, block});
    if (!warmed.ok()) warm_failed = true;
    if (warmed.ok()) warm_fetched += warmed->bytes_fetched;
  });
  if (warm_failed) Fail("warming the disk cache failed");

  std::vector<std::byte> buffer(size);  // zero-filled: page faults happen here, not in the timing
  const uint64_t gets_before = (*client)->Stats().get_requests;
  double cached_best = 1e30;
  for (int r = 0; r < repeat; ++r) {
    const auto start = std::chrono::steady_clock::now();
    objectfs::Status status = (*file)->ReadInto(buffer);
    if (!status.ok()) Fail(status.ToString());
    cached_best = std::min(cached_best, Seconds(start));
  }
  const uint64_t gets = (*client)->Stats().get_requests - gets_before;
  double local_best = 0;
  if (!local.empty()) {
    local_best = 1e30;
    for (int r = 0; r < repeat; ++r) local_best = std::min(local_best, ReadLocal(local, buffer));
  }
  const double gb = double(size) / 1e9;
  std::printf(
      "{\"uri\": \"%s\", \"bytes\": %llu, \"warm_fetched_bytes\": %llu, "
      "\"cached_read_s\": %.4f, \"cached_read_GBps\": %.3f, \"get_requests_during_reads\": "
      "%llu, \"local_read_s\": %.4f, \"local_read_GBps\": %.3f, \"ratio_to_local\": %.3f}\n",
      uri.c_str(), static_cast<unsigned long long>(size),
      static_cast<unsigned long long>(warm_fetched.load()), cached_best, gb / cached_best,
      static_cast<unsigned long long>(gets), local_best, local_best > 0 ? gb / local_best : 0.0,
      local_best > 0 ? local_best / cached_best : 0.0);
  return 0;
}
