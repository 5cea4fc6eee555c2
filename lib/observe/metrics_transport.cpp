#include "observe/metrics_transport.hpp"

#include <array>
#include <cstdio>
#include <string>

#include "http/rest.hpp"
#include "util/ascii.hpp"

namespace objectfs::internal {
namespace {

// Query parameters whose values are credentials, lower case.
constexpr std::array<std::string_view, 7> kSecretParameters = {
    "sig",   "signature",   "x-amz-signature", "x-amz-credential", "x-amz-security-token",
    "token", "access_token"};

bool IsSecretParameter(std::string_view name) {
  const std::string lower = AsciiLower(name);
  for (std::string_view secret : kSecretParameters) {
    if (lower == secret) return true;
  }
  return false;
}

uint64_t BodyBytes(const HttpRequest& request, const Result<HttpResponse>& outcome) {
  if (!outcome.ok()) return 0;
  return outcome->buffer_bytes + (request.kind == RequestKind::kGet ? outcome->body.size() : 0);
}

}  // namespace

std::string RedactedUrl(std::string_view url) {
  const size_t query = url.find('?');
  if (query == std::string_view::npos) return std::string(url);
  std::string out(url.substr(0, query + 1));
  std::string_view rest = url.substr(query + 1);
  bool first = true;
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    const size_t eq = pair.find('=');
    const std::string_view name = pair.substr(0, eq);
    if (!first) out += '&';
    first = false;
    out += name;
    if (eq != std::string_view::npos) {
      out += '=';
      out += IsSecretParameter(name) ? std::string_view("REDACTED") : pair.substr(eq + 1);
    }
  }
  return out;
}

MetricsTransport::MetricsTransport(std::shared_ptr<HttpTransport> inner, RequestMetrics* metrics,
                                   LogSink log, bool debug)
    : inner_(std::move(inner)), metrics_(metrics), log_(std::move(log)), debug_(debug && log_) {}

Result<HttpResponse> MetricsTransport::Send(const HttpRequest& request) {
  const int kind = KindIndex(request);
  if (kind < 0 && !debug_) return inner_->Send(request);
  metrics_->inflight().fetch_add(1, std::memory_order_relaxed);
  const auto start = std::chrono::steady_clock::now();
  Result<HttpResponse> outcome = inner_->Send(request);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  metrics_->inflight().fetch_sub(1, std::memory_order_relaxed);
  const uint64_t bytes = BodyBytes(request, outcome);
  metrics_->Record(StoreIndex(request.store), kind, outcome, elapsed, bytes);
  if (debug_) LogAttempt(request, outcome, elapsed, bytes);
  return outcome;
}

void MetricsTransport::LogAttempt(const HttpRequest& request, const Result<HttpResponse>& outcome,
                                  std::chrono::nanoseconds elapsed, uint64_t bytes) const {
  char took[32];
  std::snprintf(took, sizeof(took), "%.1f ms",
                std::chrono::duration<double, std::milli>(elapsed).count());
  std::string message = request.method + " ";
  message += outcome.ok() ? std::to_string(outcome->status) : outcome.status().ToString();
  message += std::string(", ") + took + ", " + std::to_string(bytes) + " bytes";
  // The range: which bytes a read fetched (tracing misses and refetches).
  for (const auto& [name, value] : request.headers) {
    if (AsciiLower(name) == "range") message += ", " + value;
  }
  const std::string url = RedactedUrl(request.url);
  log_(LogRecord{LogLevel::kDebug, message, url,
                 outcome.ok() ? RequestIdOf(*outcome) : std::string_view()});
}

}  // namespace objectfs::internal
