"""Starts/stops the GCS emulator through gcs.sh and uploads objects to it with
plain HTTP (an independent client: the JSON API's media upload). Used by the
GCS integration tests and the conformance backend."""

import pathlib
import subprocess
import urllib.parse
import urllib.request

HERE = pathlib.Path(__file__).resolve().parent
GCS_SH = HERE / "gcs.sh"


def _read_env(path):
    env = {}
    for line in pathlib.Path(path).read_text().splitlines():
        if "=" in line:
            name, value = line.split("=", 1)
            env[name] = value
    return env


class Emulator:
    """A running emulator; `endpoint` is http://127.0.0.1:PORT."""

    def __init__(self, workdir):
        self.workdir = pathlib.Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        try:
            subprocess.run([str(GCS_SH), "start", str(self.workdir)], check=True,
                           capture_output=True, timeout=120)
        except subprocess.CalledProcessError as e:
            self.stop()
            raise RuntimeError(f"gcs.sh start failed: {e.stderr.decode(errors='replace')}") from e
        except BaseException:
            self.stop()
            raise
        self.env = _read_env(self.workdir / "env")
        self.endpoint = self.env["STORAGE_EMULATOR_HOST"]

    def put(self, bucket, key, data):
        """Uploads `data` as gs://bucket/key; returns the object resource (a dict)."""
        import json

        url = (f"{self.endpoint}/upload/storage/v1/b/{urllib.parse.quote(bucket, safe='')}/o"
               f"?uploadType=media&name={urllib.parse.quote(key, safe='')}")
        request = urllib.request.Request(url, data=data, method="POST",
                                         headers={"Content-Type": "application/octet-stream"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())

    def get(self, bucket, key):
        """The object's bytes (a media download), or None when there is none."""
        import urllib.error

        url = (f"{self.endpoint}/storage/v1/b/{urllib.parse.quote(bucket, safe='')}/o/"
               f"{urllib.parse.quote(key, safe='')}?alt=media")
        try:
            with urllib.request.urlopen(url, timeout=60) as response:
                return response.read()
        except urllib.error.HTTPError as e:
            if e.code == 404:
                return None
            raise

    def delete(self, bucket, key):
        url = (f"{self.endpoint}/storage/v1/b/{urllib.parse.quote(bucket, safe='')}/o/"
               f"{urllib.parse.quote(key, safe='')}")
        with urllib.request.urlopen(urllib.request.Request(url, method="DELETE"), timeout=60):
            pass

    def stop(self):
        subprocess.run([str(GCS_SH), "stop", str(self.workdir)], capture_output=True, timeout=60)
