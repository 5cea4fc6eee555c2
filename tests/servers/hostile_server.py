"""A tiny test-only server that answers like a broken or hostile S3/HTTP server.

HostileServer().start() listens on 127.0.0.1 (a free port) and speaks enough
path-style S3 (and plain HTTP GET/HEAD) for the clients to reach the broken
part. What it sends depends on the bucket (listings, uploads) or the key
(HEAD and GET) named in the request; `CASES` lists them. Every request is
recorded in `log` as (method, path).

A well-formed object is served under any other key: HEAD and ranged GET of
GOOD_BYTES, so a case can break only one of the requests.
"""

import http.server
import os
import random
import threading
import time
import urllib.parse

GOOD_BYTES = b"the quick brown fox jumps over the lazy dog\n" * 4
ETAG = '"0123456789abcdef0123456789abcdef"'
DATE = "Wed, 21 Oct 2015 07:28:00 GMT"

_LIST_HEAD = '<?xml version="1.0" encoding="UTF-8"?>' \
    '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name>'


def _entry(key="k", size="10", date="2015-10-21T07:28:00.000Z"):
    return (f"<Contents><Key>{key}</Key><LastModified>{date}</LastModified>"
            f"<ETag>{ETAG}</ETag><Size>{size}</Size></Contents>")


def _listing(body, truncated="false", token=None):
    xml = _LIST_HEAD + body + f"<IsTruncated>{truncated}</IsTruncated>"
    if token is not None:
        xml += f"<NextContinuationToken>{token}</NextContinuationToken>"
    return (xml + "</ListBucketResult>").encode()


# Listing answers, by bucket name: (status, headers, body).
LISTINGS = {
    "loop-token": lambda: (200, {}, _listing(_entry(), "true", "same-token-forever")),
    "no-token": lambda: (200, {}, _listing(_entry(), "true")),
    "truncated-xml": lambda: (200, {}, _listing(_entry())[:70]),
    "doubled-xml": lambda: (200, {}, _listing(_entry()) * 2),
    "html-list": lambda: (200, {"Content-Type": "text/html"},
                          b"<html><body><h1>Welcome to nginx!</h1></body></html>"),
    "random-list": lambda: (200, {}, random.Random(7).randbytes(4096)),
    "empty-list": lambda: (200, {}, b""),
    "negative-size": lambda: (200, {}, _listing(_entry(size="-1"))),
    "huge-size": lambda: (200, {}, _listing(_entry(size="100000000000000000000000"))),
    "absurd-size": lambda: (200, {}, _listing(_entry(size=str(1 << 60)))),
    "text-size": lambda: (200, {}, _listing(_entry(size="ten"))),
    "bad-date-list": lambda: (200, {}, _listing(_entry(date="yesterday-ish"))),
    "error-200": lambda: (200, {}, b"<Error><Code>InternalError</Code><Message>oops</Message>"
                                   b"</Error>"),
    "html-500": lambda: (500, {"Content-Type": "text/html"}, b"<html>Bad Gateway</html>"),
    "html-403": lambda: (403, {"Content-Type": "text/html"}, b"<html>Forbidden</html>"),
    "truncated-error": lambda: (404, {}, b"<Error><Code>NoSuchBuck"),
    # An error message that is not UTF-8 (Latin-1 and a stray byte).
    "latin1-error": lambda: (403, {}, b"<Error><Code>AccessDenied</Code>"
                                      b"<Message>acc\xe8s refus\xe9 \xff</Message></Error>"),
    "deep-xml": lambda: (200, {}, b"<a>" * 100000 + b"</a>" * 100000),
    # Names outside the prefix asked for (callers cut the prefix off them).
    "outside-prefix": lambda: (200, {}, _listing(_entry(key="a"))),
    "outside-common-prefix": lambda: (200, {}, _listing(
        "<CommonPrefixes><Prefix>b</Prefix></CommonPrefixes>")),
}

# HEAD answers, by key: (status, headers). GET of these keys answers GOOD_BYTES
# unless GETS says otherwise.
HEADS = {
    "huge-length": (200, {"Content-Length": "100000000000000000000000"}),
    "absurd-length": (200, {"Content-Length": str(1 << 60)}),
    "negative-length": (200, {"Content-Length": "-5"}),
    "text-length": (200, {"Content-Length": "many"}),
    "bad-date": (200, {"Last-Modified": "not a date at all"}),
    "huge-header": (200, {"X-Junk": "j" * (1 << 20)}),
    "many-headers": (200, {f"X-Junk-{i}": "x" for i in range(20000)}),
    "html-head": (200, {"Content-Type": "text/html"}),
    "head-500": (500, {}),
    "head-403": (403, {}),
    "head-301": (301, {"Location": "http://127.0.0.1:1/elsewhere"}),
}

# GET answers, by key (the HEAD is the good one): a function of the request's
# Range header giving (status, headers, body) or "trickle" / "stall".
GETS = {
    "wrong-range": lambda rng: (206, {"Content-Range": f"bytes 5-14/{len(GOOD_BYTES)}"},
                                GOOD_BYTES[5:15]),
    "range-past-total": lambda rng: (206, {"Content-Range": "bytes 0-999/1000"}, GOOD_BYTES),
    "bad-content-range": lambda rng: (206, {"Content-Range": "bytes banana"}, GOOD_BYTES),
    "short-200": lambda rng: (200, {}, GOOD_BYTES[:20]),
    "long-200": lambda rng: (200, {}, GOOD_BYTES * 2),
    "html-get": lambda rng: (200, {"Content-Type": "text/html"}, b"<html>captive portal</html>"),
    "get-404-html": lambda rng: (404, {"Content-Type": "text/html"}, b"<html>nope</html>"),
    "get-500-random": lambda rng: (500, {}, random.Random(3).randbytes(300)),
    "other-etag": lambda rng: (200, {"ETag": '"ffffffffffffffffffffffffffffffff"'}, GOOD_BYTES),
    "trickle": lambda rng: "trickle",
    "stall": lambda rng: "stall",
}

# Upload answers, by bucket: the answer to every POST/PUT.
UPLOADS = {
    "mpu-garbage": (200, {}, b"<InitiateMultipartUploadResult><Up"),
    "mpu-no-id": (200, {}, b"<InitiateMultipartUploadResult><Bucket>b</Bucket>"
                           b"</InitiateMultipartUploadResult>"),
    "mpu-html": (200, {"Content-Type": "text/html"}, b"<html>hello</html>"),
}

CASES = sorted(set(LISTINGS) | set(HEADS) | set(GETS) | set(UPLOADS))


class HostileServer:
    def __init__(self, stall_seconds=30.0):
        self.stall_seconds = stall_seconds
        self.log = []
        self.server = None
        self.stopped = threading.Event()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self):
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def answer(self, status, headers, body, send_body=True):
                self.send_response(status)
                headers = dict(headers)
                headers.setdefault("Content-Length", str(len(body)))
                headers.setdefault("ETag", ETAG)
                headers.setdefault("Last-Modified", DATE)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                if send_body and self.command != "HEAD":
                    self.wfile.write(body)

            def handle_any(self):
                owner.log.append((self.command, self.path))
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                split = urllib.parse.urlsplit(self.path)
                parts = split.path.lstrip("/").split("/", 1)
                bucket, key = parts[0], (parts[1] if len(parts) > 1 else "")
                key = urllib.parse.unquote(key)
                if self.command in ("PUT", "POST") and bucket in UPLOADS:
                    self.answer(*UPLOADS[bucket])
                    return
                if self.command == "GET" and not key:
                    case = LISTINGS.get(bucket)
                    status, headers, body = case() if case else (200, {}, _listing(""))
                    self.answer(status, headers, body)
                    return
                name = key.rsplit("/", 1)[-1]
                if self.command == "HEAD":
                    status, headers = HEADS.get(name, (200, {}))
                    headers = dict(headers)
                    headers.setdefault("Content-Length", str(len(GOOD_BYTES)))
                    self.answer(status, headers, b"", send_body=False)
                    return
                if self.command == "GET" and name in GETS:
                    what = GETS[name](self.headers.get("Range"))
                    if what == "stall":
                        owner.stopped.wait(owner.stall_seconds)
                        self.close_connection = True
                        return
                    if what == "trickle":
                        self.trickle()
                        return
                    self.answer(*what)
                    return
                if self.command == "GET":
                    self.answer_range()
                    return
                if self.command in ("PUT", "POST", "DELETE"):
                    self.answer(200, {}, b"")
                    return
                self.answer(405, {}, b"")

            def answer_range(self):
                rng = self.headers.get("Range")
                data = GOOD_BYTES
                if rng and rng.startswith("bytes="):
                    first, _, last = rng[6:].partition("-")
                    first = int(first)
                    last = min(int(last) if last else len(data) - 1, len(data) - 1)
                    self.answer(206, {"Content-Range": f"bytes {first}-{last}/{len(data)}"},
                                data[first:last + 1])
                    return
                self.answer(200, {}, data)

            def trickle(self):
                # The headers at once, then the body at 4 bytes/s: above curl's
                # old 1 byte/s minimum, which such a body never tripped.
                self.wfile.write((f"HTTP/1.1 200 OK\r\nContent-Length: {len(GOOD_BYTES)}\r\n"
                                  f"ETag: {ETAG}\r\nLast-Modified: {DATE}\r\n\r\n").encode())
                self.wfile.flush()
                for i in range(len(GOOD_BYTES)):
                    if owner.stopped.wait(0.25):
                        return
                    self.wfile.write(GOOD_BYTES[i:i + 1])
                    self.wfile.flush()

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self.stopped.set()
        if self.server:
            self.server.shutdown()
            self.server.server_close()


if __name__ == "__main__":
    server = HostileServer().start()
    print(server.url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()
    os._exit(0)
