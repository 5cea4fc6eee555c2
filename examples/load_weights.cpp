// Loads a safetensors model the way an inference server would: read and check
// the header (at most two small requests), then read every tensor with one
// parallel read into one page-aligned buffer (ready for cudaHostRegister or a
// copy to the GPU), and report the throughput.
//
//   load_weights [--part-size BYTES] [--parallel N] URI
//   AWS_ENDPOINT_URL=http://127.0.0.1:7480 build/examples/load_weights
//   s3://bucket/model.safetensors
#include <sys/mman.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <objectfs/objectfs.hpp>
#include <objectfs/safetensors.hpp>
#include <span>
#include <string>

namespace {

struct FreeDeleter {
  void operator()(std::byte* p) const { std::free(p); }
};

int Fail(const objectfs::Status& status) {
  std::fprintf(stderr, "load_weights: %s\n", status.ToString().c_str());
  return 1;
}

int Usage() {
  std::fprintf(stderr, "usage: load_weights [--part-size BYTES] [--parallel N] URI\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  objectfs::ClientOptions options;
  std::string uri;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--part-size" && i + 1 < argc) {
      options.read.part_size = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--parallel" && i + 1 < argc) {
      options.read.max_parallel_requests = std::atoi(argv[++i]);
    } else if (uri.empty() && !arg.starts_with("-")) {
      uri = arg;
    } else {
      return Usage();
    }
  }
  if (uri.empty()) return Usage();

  auto client = objectfs::Client::Create(options);
  if (!client.ok()) return Fail(client.status());
  const auto start = std::chrono::steady_clock::now();
  auto file = (*client)->Open(uri);
  if (!file.ok()) return Fail(file.status());
  auto header = objectfs::safetensors::ReadHeader(**file);
  if (!header.ok()) return Fail(header.status());

  // One buffer for all tensors, aligned so it can be pinned for DMA
  // (cudaHostRegister) and backed by huge pages: fewer page faults while the
  // parallel parts land in it.
  constexpr size_t kAlign = 2 << 20;
  const size_t size = static_cast<size_t>(header->data_size);
  const size_t capacity = (size + kAlign - 1) / kAlign * kAlign + kAlign;
  std::unique_ptr<std::byte, FreeDeleter> buffer(
      static_cast<std::byte*>(std::aligned_alloc(kAlign, capacity)));
  if (!buffer)
    return Fail(objectfs::Internal("cannot allocate " + std::to_string(size) + " bytes"));
  ::madvise(buffer.get(), capacity, MADV_HUGEPAGE);  // a hint: fine if it fails
  auto read = (*file)->PRead(header->data_offset, std::span(buffer.get(), size));
  if (!read.ok()) return Fail(read.status());
  if (*read != size) return Fail(objectfs::DataLoss(uri + ": data region came back short"));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  // What an engine would do next: hand each tensor's [begin, end) of `buffer` to its layer.
  std::map<std::string_view, size_t> per_dtype;
  for (const auto& tensor : header->tensors) ++per_dtype[DTypeName(tensor.dtype)];
  std::printf("%s: %zu tensors,", uri.c_str(), header->tensors.size());
  for (const auto& [dtype, count] : per_dtype)
    std::printf(" %zu %.*s", count, int(dtype.size()), dtype.data());
  std::printf("\n%zu bytes of weights in %.3f s: %.2f GB/s\n", size, seconds,
              seconds > 0 ? double(size) / seconds / 1e9 : 0.0);
  return 0;
}
