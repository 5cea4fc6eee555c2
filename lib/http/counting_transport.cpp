#include "http/counting_transport.hpp"

#include "core/stats.hpp"

namespace objectfs::internal {
namespace {

std::atomic<uint64_t>* CounterOf(StatsCounters& stats, RequestKind kind) {
  switch (kind) {
    case RequestKind::kHead:
      return &stats.head_requests;
    case RequestKind::kGet:
      return &stats.get_requests;
    case RequestKind::kList:
      return &stats.list_requests;
    case RequestKind::kPut:
      return &stats.put_requests;
    case RequestKind::kDelete:
      return &stats.delete_requests;
    case RequestKind::kOther:
      return &stats.other_requests;
    case RequestKind::kUncounted:
      break;
  }
  return nullptr;
}

}  // namespace

CountingTransport::CountingTransport(std::shared_ptr<HttpTransport> inner, StatsCounters* stats)
    : inner_(std::move(inner)), stats_(stats) {}

Result<HttpResponse> CountingTransport::Send(const HttpRequest& request) {
  if (stats_ == nullptr) return inner_->Send(request);
  if (std::atomic<uint64_t>* counter = CounterOf(*stats_, request.kind)) Add(*counter);
  Result<HttpResponse> response = inner_->Send(request);
  if (response.ok() && request.kind == RequestKind::kGet) {
    Add(stats_->bytes_downloaded, response->buffer_bytes);
  }
  return response;
}

}  // namespace objectfs::internal
