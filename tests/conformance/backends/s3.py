"""S3: a Ceph RADOS Gateway of its own (tests/servers/rgw.sh), SigV4 checked;
uploads with boto3 like tests/servers/s3_fixtures.py."""

import os
import pathlib
import subprocess
import sys

SERVERS = pathlib.Path(__file__).resolve().parents[2] / "servers"
sys.path.insert(0, str(SERVERS))
import s3_fixtures  # noqa: E402

NAME = "s3"
CAPABILITIES = {"list", "paging", "permission_errors", "dotdot_keys", "mount", "network",
                "write"}
PUT_THREADS = 8  # put() is thread-safe
BUCKET = "conformance"


class Backend:
    def __init__(self, workdir):
        self.dir = workdir / "rgw"
        env = dict(os.environ, RGW_MEMSTORE_BYTES=str(1 << 30), RGW_DEBUG="0")
        subprocess.run([str(SERVERS / "rgw.sh"), "start", str(self.dir)], check=True, env=env)
        try:
            server_env = s3_fixtures.load_env(str(self.dir / "env"))
            self.client = s3_fixtures.make_client(server_env)
            s3_fixtures.create_bucket(self.client, BUCKET)
        except BaseException:
            self.stop()
            raise
        self.root_uri = f"s3://{BUCKET}"
        self.env = {
            "AWS_ACCESS_KEY_ID": server_env["RGW_ACCESS_KEY"],
            "AWS_SECRET_ACCESS_KEY": server_env["RGW_SECRET_KEY"],
            "AWS_ENDPOINT_URL": server_env["RGW_ENDPOINT"],
            "AWS_REGION": "us-east-1",
        }
        self.bad_env = {"AWS_SECRET_ACCESS_KEY": "wrong-secret-for-the-conformance-suite"}
        self.bad_env_source = "AWS_ACCESS_KEY_ID"

    def put(self, key, data):
        self.client.put_object(Bucket=BUCKET, Key=key, Body=data)

    def stop(self):
        subprocess.run([str(SERVERS / "rgw.sh"), "stop", str(self.dir)], check=False)


def start(workdir):
    return Backend(workdir)
