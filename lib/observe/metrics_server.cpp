// GET /metrics over libmicrohttpd: a well-kept C server (GNU) from Debian
// that runs its own thread, so no front needs an event loop of its own.
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>

#include <cstring>
#include <string>

#include "objectfs/metrics.hpp"

namespace objectfs {
namespace {

constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

MHD_Result Reply(MHD_Connection* connection, unsigned status, const std::string& body,
                 const char* type) {
  MHD_Response* response = MHD_create_response_from_buffer(
      body.size(), const_cast<char*>(body.data()), MHD_RESPMEM_MUST_COPY);
  if (response == nullptr) return MHD_NO;
  MHD_add_response_header(response, "Content-Type", type);
  const MHD_Result result = MHD_queue_response(connection, status, response);
  MHD_destroy_response(response);
  return result;
}

MHD_Result Answer(void* cls, MHD_Connection* connection, const char* url, const char* method,
                  const char* /*version*/, const char* /*upload_data*/,
                  size_t* /*upload_data_size*/, void** /*state*/) {
  const auto& collect = *static_cast<const MetricsServer::Collect*>(cls);
  if (std::strcmp(method, "GET") != 0 && std::strcmp(method, "HEAD") != 0) {
    return Reply(connection, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET /metrics\n", "text/plain");
  }
  if (std::strcmp(url, "/metrics") != 0) {
    return Reply(connection, MHD_HTTP_NOT_FOUND, "not found: try /metrics\n", "text/plain");
  }
  const std::vector<MetricFamily> families = collect();
  return Reply(connection, MHD_HTTP_OK, PrometheusText(families), kContentType);
}

// "HOST:PORT", "[V6]:PORT" or ":PORT" -> a socket address.
Status ParseAddress(const std::string& address, sockaddr_storage* out, socklen_t* length) {
  const size_t colon = address.rfind(':');
  const auto bad = [&](const std::string& why) {
    return InvalidArgument("metrics_address '" + address + "': " + why);
  };
  if (colon == std::string::npos) return bad("expected HOST:PORT, e.g. 127.0.0.1:9464");
  std::string host = address.substr(0, colon);
  const std::string port_text = address.substr(colon + 1);
  if (port_text.empty() || port_text.size() > 5 ||
      port_text.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(port_text) > 65535) {
    return bad("'" + port_text + "' is not a port (0-65535)");
  }
  const auto port = static_cast<uint16_t>(std::stoul(port_text));
  std::memset(out, 0, sizeof(*out));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(out);
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    if (::inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), &v6->sin6_addr) != 1) {
      return bad("'" + host + "' is not an IPv6 address");
    }
    *length = sizeof(sockaddr_in6);
    return Status::Ok();
  }
  if (host == "localhost") host = "127.0.0.1";
  auto* v4 = reinterpret_cast<sockaddr_in*>(out);
  v4->sin_family = AF_INET;
  v4->sin_port = htons(port);
  if (host.empty()) {
    v4->sin_addr.s_addr = htonl(INADDR_ANY);
  } else if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) != 1) {
    return bad("'" + host +
               "' is not an IPv4 address (names other than localhost are not looked up)");
  }
  *length = sizeof(sockaddr_in);
  return Status::Ok();
}

}  // namespace

struct MetricsServer::Daemon {
  MHD_Daemon* daemon = nullptr;
  ~Daemon() {
    if (daemon != nullptr) MHD_stop_daemon(daemon);
  }
};

Result<std::unique_ptr<MetricsServer>> MetricsServer::Start(const std::string& address,
                                                            Collect collect) {
  sockaddr_storage socket_address{};
  socklen_t length = 0;
  OBJECTFS_RETURN_IF_ERROR(ParseAddress(address, &socket_address, &length));
  std::unique_ptr<MetricsServer> server(new MetricsServer());
  server->collect_ = std::move(collect);
  server->daemon_ = std::make_unique<Daemon>();
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD;
  if (socket_address.ss_family == AF_INET6) flags |= MHD_USE_IPv6;
  server->daemon_->daemon =
      MHD_start_daemon(flags, 0, nullptr, nullptr, &Answer, &server->collect_, MHD_OPTION_SOCK_ADDR,
                       reinterpret_cast<sockaddr*>(&socket_address), MHD_OPTION_CONNECTION_TIMEOUT,
                       10u, MHD_OPTION_END);
  if (server->daemon_->daemon == nullptr) {
    const int err = errno;
    return Unavailable("metrics_address '" + address + "': cannot listen: " +
                       (err != 0 ? std::strerror(err) : "libmicrohttpd refused to start"));
  }
  const MHD_DaemonInfo* info =
      MHD_get_daemon_info(server->daemon_->daemon, MHD_DAEMON_INFO_BIND_PORT);
  server->port_ = info != nullptr ? info->port : 0;
  return server;
}

MetricsServer::~MetricsServer() = default;

}  // namespace objectfs
