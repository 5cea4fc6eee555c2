"""Plain HTTP: nginx (tests/servers/nginx.sh) serving a folder; put() writes
files into it. Keys become URLs percent-encoded; HTTP has no listing."""

import os
import pathlib
import subprocess
import urllib.parse

SERVERS = pathlib.Path(__file__).resolve().parents[2] / "servers"

NAME = "http"
CAPABILITIES = {"network"}  # no listing
PUT_THREADS = 8  # put() is thread-safe


class Backend:
    def __init__(self, workdir):
        self.dir = workdir / "nginx"
        subprocess.run([str(SERVERS / "nginx.sh"), "start", str(self.dir)], check=True)
        env = dict(line.split("=", 1) for line in (self.dir / "env").read_text().splitlines())
        self.www = pathlib.Path(env["NGINX_ROOT"])
        self.root_uri = env["NGINX_URL"]
        self.env = {}

    def uri(self, key):
        # A URL path is percent-encoded: "%" itself must travel as "%25".
        return self.root_uri + "/" + urllib.parse.quote(key, safe="/+")

    def put(self, key, data, mtime=None):
        """mtime (seconds): the new file's, set before it is renamed into place,
        so that nginx never serves its bytes under another mtime's ETag."""
        path = self.www / key
        path.parent.mkdir(parents=True, exist_ok=True)
        # A new file renamed into place, as a deploy does: nginx never serves it half-written.
        temp = path.with_name(path.name + ".tmp")
        temp.write_bytes(data)
        if mtime is not None:
            os.utime(temp, (mtime, mtime))
        os.replace(temp, path)

    def stop(self):
        subprocess.run([str(SERVERS / "nginx.sh"), "stop", str(self.dir)], check=False)


def start(workdir):
    return Backend(workdir)
