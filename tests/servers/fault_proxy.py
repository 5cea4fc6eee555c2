"""A test-only HTTP proxy in front of a real server that fails chosen requests.

FaultProxy(upstream).start() listens on 127.0.0.1 (a free port) and forwards
every request unchanged (Host header included, so signatures stay valid). A
request matching `method` and containing `query_has` in its query counts as a
candidate; every `every`-th candidate (every=1: all of them) is answered with
`status` instead of being forwarded, or with corrupt=True forwarded with one
byte of its body flipped (the server must notice). `log` records (method,
path, answer).
"""

import http.client
import http.server
import threading
import urllib.parse


class FaultProxy:
    def __init__(self, upstream, method="PUT", query_has="partNumber", every=0, status=500,
                 corrupt=False):
        parsed = urllib.parse.urlsplit(upstream)
        self.upstream = (parsed.hostname, parsed.port or 80)
        self.method, self.query_has, self.every, self.status = method, query_has, every, status
        self.corrupt = corrupt
        self.candidates = 0
        self.log = []
        self.lock = threading.Lock()
        self.server = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def should_fail(self, method, path):
        if self.every <= 0 or method != self.method:
            return False
        if self.query_has and self.query_has not in urllib.parse.urlsplit(path).query:
            return False
        with self.lock:
            self.candidates += 1
            return self.candidates % self.every == 0

    def start(self):
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def handle_any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                chosen = proxy.should_fail(self.command, self.path)
                if chosen and proxy.corrupt and body:
                    body = bytes([body[0] ^ 0xFF]) + body[1:]
                elif chosen:
                    message = b"<Error><Code>InternalError</Code><Message>injected</Message></Error>"
                    self.send_response(proxy.status)
                    self.send_header("Content-Type", "application/xml")
                    self.send_header("Content-Length", str(len(message)))
                    self.end_headers()
                    self.wfile.write(message)
                    proxy.log.append((self.command, self.path, proxy.status))
                    return
                conn = http.client.HTTPConnection(*proxy.upstream, timeout=60)
                headers = {k: v for k, v in self.headers.items()}
                conn.request(self.command, self.path, body=body, headers=headers)
                answer = conn.getresponse()
                data = answer.read()
                self.send_response(answer.status)
                for name, value in answer.getheaders():
                    if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(name, value)
                if self.command != "HEAD" or answer.getheader("Content-Length") is None:
                    self.send_header("Content-Length", str(len(data)))
                else:
                    self.send_header("Content-Length", answer.getheader("Content-Length"))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
                conn.close()
                proxy.log.append((self.command, self.path, answer.status))

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
