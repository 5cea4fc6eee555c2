"""Google Cloud Storage (JSON API): the firebase-tools Storage emulator
(tests/servers/gcs.sh), reached through STORAGE_EMULATOR_HOST; uploads are
plain JSON API media uploads (tests/servers/gcs_emulator_client.py). The emulator
checks no credentials, so permission errors are covered by the GCS unit tests
and tests/integration/test_cli_gcs.py instead."""

import pathlib
import sys

SERVERS = pathlib.Path(__file__).resolve().parents[2] / "servers"
sys.path.insert(0, str(SERVERS))
from gcs_emulator_client import Emulator  # noqa: E402

NAME = "gcs"
# No "dotdot_keys": the emulator files objects under path.join(bucket, key), so
# "dots/../up.txt" is also served as "up.txt" (real GCS keeps them apart).
CAPABILITIES = {"list", "paging", "mount", "network", "write"}
PUT_THREADS = 8  # put() is thread-safe (one HTTP request per call)
BUCKET = "conformance"


class Backend:
    def __init__(self, workdir):
        self.emulator = Emulator(workdir / "gcs")  # stops itself when it fails to start
        self.root_uri = f"gs://{BUCKET}"
        self.env = {"STORAGE_EMULATOR_HOST": self.emulator.endpoint}

    def put(self, key, data):
        self.emulator.put(BUCKET, key, data)

    def stop(self):
        self.emulator.stop()


def start(workdir):
    return Backend(pathlib.Path(workdir))
