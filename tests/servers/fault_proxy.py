"""A test-only HTTP proxy in front of a real server that misbehaves on purpose.

FaultProxy(upstream, fault=..., every=N, kinds=...).start() listens on 127.0.0.1
(a free port) and forwards every request unchanged (Host header included, so
signatures stay valid). A request of one of `kinds` (see `request_kind`: head,
get, list, write, delete; None: every kind) is a candidate; every `every`-th
candidate (every=1: all of them) gets `fault` instead of a plain forward:

  503      503 SlowDown (S3's error document)
  500      500 InternalError
  429      429 SlowDown with Retry-After: 1
  status   the answer `status` (the older interface, `status=`)
  reset    the connection reset (RST) mid-body: a request body read half-way,
           or an answer's headers and half its body sent; answers without a body
           are reset before their first byte
  short    the answer's body cut short of its Content-Length and the connection
           closed cleanly (an answer without a body: its headers cut half-way)
  stall    nothing answered for `stall_seconds` (longer than the client's read
           timeout), then the connection closed
  trickle  the answer's body (or a body-less answer's headers) sent at
           `trickle_bps` bytes per second (4: above the 1 byte/s minimum rate
           curl had, which such a body never tripped)
  refuse   the connection refused: with every=1 nothing ever listens on the
           port; otherwise the chosen request is answered and then the port
           refuses connections for `refuse_seconds` and recovers
  corrupt  the request body forwarded with its first byte flipped (the server
           must notice)

HEAD answers keep the upstream Content-Length. `log` records (kind, method,
path, action) for every request, `faults` counts the injected ones, and with
`log_path` each line is appended to that file too.

With tls=(certfile, keyfile) the proxy speaks HTTPS to its clients.

`python3 fault_proxy.py UPSTREAM FAULT EVERY [KINDS]` runs one in the
foreground and prints its URL.
"""

import http.client
import http.server
import socket
import ssl
import struct
import sys
import threading
import time
import urllib.parse

FAULTS = ("503", "500", "429", "reset", "short", "stall", "trickle", "refuse")

_ERRORS = {
    "503": (503, b"<Error><Code>SlowDown</Code><Message>injected: slow down</Message></Error>", {}),
    "500": (500, b"<Error><Code>InternalError</Code><Message>injected</Message></Error>", {}),
    "429": (429, b"<Error><Code>SlowDown</Code><Message>injected: too many requests</Message>"
                 b"</Error>", {"Retry-After": "1"}),
}


def request_kind(method, path):
    """The kind of a request as the stores send it."""
    query = urllib.parse.urlsplit(path).query
    if method == "HEAD":
        return "head"
    if method == "GET":
        if "/o/" in urllib.parse.urlsplit(path).path and "alt=media" not in query:
            return "head"  # GCS: object metadata
        split = urllib.parse.urlsplit(path).path.rstrip("/")
        listing = ("list-type=" in query or "comp=list" in query or "uploads" in query
                   or split.endswith("/o") or "prefix=" in query or "delimiter=" in query)
        if listing or split.count("/") <= 1:
            return "list"
        return "get"
    if method in ("PUT", "POST"):
        return "write"
    if method == "DELETE":
        return "delete"
    return method.lower()


class FaultProxy:
    def __init__(self, upstream, method="PUT", query_has="partNumber", every=0, status=500,
                 corrupt=False, fault=None, kinds=None, stall_seconds=3.0, trickle_bps=4.0,
                 refuse_seconds=0.5, log_path=None, tls=None):
        parsed = urllib.parse.urlsplit(upstream)
        self.upstream = (parsed.hostname, parsed.port or 80)
        self.every, self.status = every, status
        if fault is None:
            fault = "corrupt" if corrupt else "status"
        else:
            method, query_has = None, ""  # the new interface selects by kinds
        self.fault, self.method, self.query_has = fault, method, query_has
        self.kinds = set(kinds) if kinds else None
        self.stall_seconds, self.trickle_bps = stall_seconds, trickle_bps
        self.refuse_seconds, self.log_path = refuse_seconds, log_path
        # tls=(certfile, keyfile): clients speak HTTPS to the proxy (the
        # upstream stays plain HTTP), for certificate tests.
        self.tls_context = None
        # Tests of replaced objects: a hook run before each forward, and a
        # server that ignores read conditions (see _Handler.forward).
        self.before_forward = None
        self.ignore_conditions = False
        if tls is not None:
            self.tls_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.tls_context.load_cert_chain(*tls)
        self.candidates = 0
        self.faults = 0
        self.log = []
        self.lock = threading.Lock()
        self.port = None
        self.listener = None
        self.refusing_until = 0.0
        self.stopped = threading.Event()
        self.thread = None

    def change(self, fault, every, kinds=None):
        """Another fault from now on, on the same port (the same endpoint for
        the client, e.g. the same disk cache entries); the log is kept."""
        with self.lock:
            self.fault, self.every, self.candidates = fault, every, 0
            self.kinds = set(kinds) if kinds else None
            self.method, self.query_has = None, ""

    @property
    def url(self):
        return f"{'https' if self.tls_context else 'http'}://127.0.0.1:{self.port}"

    def chosen(self, method, path):
        if self.every <= 0:
            return False
        if self.method is not None and method != self.method:
            return False
        if self.query_has and self.query_has not in urllib.parse.urlsplit(path).query:
            return False
        if self.kinds is not None and request_kind(method, path) not in self.kinds:
            return False
        with self.lock:
            self.candidates += 1
            return self.candidates % self.every == 0

    def record(self, method, path, action):
        entry = (request_kind(method, path), method, path, action)
        with self.lock:
            self.log.append(entry)
            if action.startswith("fault"):
                self.faults += 1
            if self.log_path:
                with open(self.log_path, "a", encoding="utf-8") as f:
                    f.write(" ".join(str(x) for x in entry) + "\n")

    def injected(self):
        return [e for e in self.log if e[3].startswith("fault")]

    # The listening socket, closed while refusing.

    def _listen(self):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port or 0))
        sock.listen(64)
        sock.settimeout(0.05)
        self.port = sock.getsockname()[1]
        return sock

    def _serve(self):
        while not self.stopped.is_set():
            if self.fault == "refuse" and self.every == 1:
                time.sleep(0.05)  # never listens
                continue
            if time.monotonic() < self.refusing_until:
                if self.listener is not None:
                    self.listener.close()
                    self.listener = None
                time.sleep(0.02)
                continue
            if self.listener is None:
                self.listener = self._listen()
            try:
                conn, addr = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                continue
            conn.settimeout(None)
            threading.Thread(target=self._handle, args=(conn, addr), daemon=True).start()

    def _handle(self, conn, addr):
        try:
            if self.tls_context is not None:
                conn = self.tls_context.wrap_socket(conn, server_side=True)
            _Handler(conn, addr, self)
        except Exception:  # a client that went away mid-answer
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def start(self):
        if self.fault == "refuse" and self.every == 1:
            probe = self._listen()  # reserve a port number, then let it refuse
            probe.close()
        else:
            self.listener = self._listen()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.stopped.set()
        if self.thread is not None:
            self.thread.join(timeout=5)
        if self.listener is not None:
            self.listener.close()
            self.listener = None


def _reset(sock):
    """Closes with RST instead of FIN."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def __init__(self, conn, addr, proxy):
        self.proxy = proxy
        super().__init__(conn, addr, None)

    def log_message(self, *args):
        pass

    def handle_any(self):
        proxy = self.proxy
        if time.monotonic() < proxy.refusing_until:
            _reset(self.connection)  # a kept-alive connection dies: the client reconnects
            self.close_connection = True
            return
        chosen = proxy.chosen(self.command, self.path)
        fault = proxy.fault if chosen else None
        length = int(self.headers.get("Content-Length") or 0)
        if fault == "reset" and length > 0:
            self.rfile.read(length // 2)
            _reset(self.connection)
            self.close_connection = True
            proxy.record(self.command, self.path, "fault reset (request body)")
            return
        body = self.rfile.read(length) if length else b""
        if fault in _ERRORS or fault == "status":
            self.answer_error(fault)
            return
        if fault == "stall":
            proxy.record(self.command, self.path, f"fault stall {proxy.stall_seconds}s")
            proxy.stopped.wait(proxy.stall_seconds)
            self.close_connection = True
            return
        if fault == "corrupt" and body:
            body = bytes([body[0] ^ 0xFF]) + body[1:]
        status, headers, data = self.forward(body)
        head = self.head_bytes(status, headers, data, close=fault in ("short", "reset", "refuse"))
        payload = b"" if self.command == "HEAD" else data
        if fault == "reset":
            if payload:
                self.wfile.write(head + payload[: len(payload) // 2])
                self.wfile.flush()
            _reset(self.connection)
            self.close_connection = True
            proxy.record(self.command, self.path, f"fault reset (answer {status})")
            return
        if fault == "short":
            cut = head + payload[: len(payload) // 2] if payload else head[: len(head) // 2]
            self.wfile.write(cut)
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
            self.close_connection = True
            proxy.record(self.command, self.path, f"fault short (answer {status})")
            return
        if fault == "trickle":
            proxy.record(self.command, self.path, f"fault trickle {proxy.trickle_bps} B/s")
            # A body trickles after its headers (headers do not count toward
            # curl's rate); an answer without one trickles its headers.
            slow = payload
            if payload:
                self.wfile.write(head)
                self.wfile.flush()
            else:
                slow = head
            for i in range(len(slow)):
                if proxy.stopped.wait(1.0 / proxy.trickle_bps):
                    break
                self.wfile.write(slow[i:i + 1])
                self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(head + payload)
        self.wfile.flush()
        if fault == "refuse":
            proxy.refusing_until = time.monotonic() + proxy.refuse_seconds
            self.close_connection = True
            proxy.record(self.command, self.path, f"fault refuse {proxy.refuse_seconds}s after")
            return
        proxy.record(self.command, self.path,
                     f"fault corrupt (answer {status})" if fault == "corrupt" else f"forward {status}")

    def answer_error(self, fault):
        proxy = self.proxy
        if fault == "status":
            status, message, extra = proxy.status, _ERRORS["500"][1], {}
        else:
            status, message, extra = _ERRORS[fault]
        self.send_response(status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(message)))
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(message)
        proxy.record(self.command, self.path, f"fault {status}")

    def forward(self, body):
        proxy = self.proxy
        conn = http.client.HTTPConnection(*proxy.upstream, timeout=60)
        try:
            headers = {k: v for k, v in self.headers.items()}
            path = self.path
            if proxy.before_forward is not None:
                proxy.before_forward(self.command, path)
            if proxy.ignore_conditions and "authorization" not in {k.lower() for k in headers}:
                # A server that ignores If-Match (and GCS's generation=): what
                # it answers is whatever version it has now. Only unsigned
                # requests: a signature covers these headers.
                headers = {k: v for k, v in headers.items()
                           if k.lower() not in ("if-match", "if-none-match")}
                split = urllib.parse.urlsplit(path)
                query = [q for q in split.query.split("&") if q and not q.startswith("generation=")]
                path = urllib.parse.urlunsplit(split._replace(query="&".join(query)))
            conn.request(self.command, path, body=body, headers=headers)
            answer = conn.getresponse()
            data = answer.read()
            return answer.status, answer.getheaders(), data
        finally:
            conn.close()

    def head_bytes(self, status, headers, data, close):
        reason = http.client.responses.get(status, "")
        lines = [f"HTTP/1.1 {status} {reason}"]
        upstream_length = None
        for name, value in headers:
            lower = name.lower()
            if lower == "content-length":
                upstream_length = value
            elif lower not in ("transfer-encoding", "connection"):
                lines.append(f"{name}: {value}")
        if self.command == "HEAD" and upstream_length is not None:
            lines.append(f"Content-Length: {upstream_length}")
        else:
            lines.append(f"Content-Length: {len(data)}")
        if close:
            lines.append("Connection: close")
            self.close_connection = True
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any


if __name__ == "__main__":
    upstream, fault, every = sys.argv[1], sys.argv[2], int(sys.argv[3])
    kinds = sys.argv[4].split(",") if len(sys.argv) > 4 else None
    proxy = FaultProxy(upstream, fault=fault, every=every, kinds=kinds,
                       log_path="/dev/stderr").start()
    print(proxy.url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        proxy.stop()
