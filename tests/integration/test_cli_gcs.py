"""`objectfs ls|stat|cat|cp` and the mount on gs:// URIs against the firebase-tools
Cloud Storage emulator (GCS JSON API), started by this module and always stopped.
Objects are uploaded with plain HTTP media uploads; bytes are compared by sha256.
The emulator checks no credentials, so the OAuth2 path is tested against a small
token + storage server in this file that verifies the JWT with openssl."""

import base64
import hashlib
import http.server
import json
import os
import pathlib
import random
import re
import subprocess
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "servers"))
from gcs_emulator_client import Emulator  # noqa: E402

BUCKET = "objectfs-gcs"
MANY = 1050  # more than one page of 1000


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def gs(key=""):
    return f"gs://{BUCKET}/{key}"


def stats_of(stderr):
    line = [l for l in stderr.decode().splitlines() if l.startswith("stats:")][-1]
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}


def fixture_objects():
    rng = random.Random(6)
    objects = {
        "hello.txt": b"hello objectfs\n",
        "empty": b"",
        "dir/a.bin": rng.randbytes(1 << 20),
        "dir/sub/b.bin": rng.randbytes((3 << 20) + 17),
        "dir/c.txt": b"c\n",
        "big.bin": rng.randbytes((5 << 20) + 3),
        "space name.txt": b"space\n",
        "plus+sign.txt": b"plus\n",
        "percent%20.txt": b"percent\n",
        "q?mark#hash.txt": b"query and fragment characters\n",
        "unicodé/ключ/文件.txt": "unicode ✓\n".encode(),
    }
    for i in range(MANY):
        objects[f"many/k{i:04d}"] = f"{i}\n".encode()
    return objects


@pytest.fixture(scope="session")
def gcs(tmp_path_factory):
    emulator = Emulator(tmp_path_factory.mktemp("gcs-emulator"))
    try:
        objects = fixture_objects()
        with ThreadPoolExecutor(8) as pool:
            resources = dict(zip(objects, pool.map(lambda k: emulator.put(BUCKET, k, objects[k]),
                                                   objects)))
        yield {"emulator": emulator, "objects": objects, "resources": resources}
    finally:
        emulator.stop()


@pytest.fixture
def cli(gcs, tmp_path):
    """Runs build/objectfs with only the emulator in the environment."""

    def run(*args, env=None, check_rc=None, timeout=120):
        base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path),
                "NO_GCE_CHECK": "true",
                "STORAGE_EMULATOR_HOST": gcs["emulator"].endpoint}
        if env is not None:
            base = dict(env)
        result = subprocess.run([os.environ["OBJECTFS_BIN"], *args], env=base,
                                capture_output=True, timeout=timeout)
        if check_rc is not None:
            assert result.returncode == check_rc, result.stderr.decode(errors="replace")
        return result

    return run


def test_ls_one_level_and_recursive(cli):
    out = cli("ls", gs(), check_rc=0).stdout.decode().splitlines()
    assert "hello.txt" in out and "dir/" in out and "many/" in out and "unicodé/" in out
    assert "dir/a.bin" not in out
    rec = cli("ls", "-r", "-l", gs("dir/"), check_rc=0).stdout.decode().splitlines()
    sizes = {line.split()[-1]: int(line.split()[0]) for line in rec}
    assert sizes == {"dir/a.bin": 1 << 20, "dir/c.txt": 2, "dir/sub/b.bin": (3 << 20) + 17}


def test_ls_pages_through_more_than_1000_keys(cli):
    result = cli("ls", "--stats", gs("many/"), check_rc=0)
    keys = result.stdout.decode().splitlines()
    assert keys == [f"many/k{i:04d}" for i in range(MANY)]
    assert stats_of(result.stderr)["list_requests"] == 2


def test_stat_shows_the_emulators_metadata(cli, gcs):
    resource = gcs["resources"]["dir/sub/b.bin"]
    out = cli("stat", gs("dir/sub/b.bin"), check_rc=0).stdout.decode()
    assert f"size:  {(3 << 20) + 17}" in out
    assert f"etag:  {resource['etag']}" in out
    assert re.search(r"mtime: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", out)


def test_cat_every_object_is_byte_identical(cli, gcs):
    for key, data in gcs["objects"].items():
        if key.startswith("many/") and not key.endswith("00"):
            continue
        result = cli("cat", gs(key), check_rc=0)
        assert sha256(result.stdout) == sha256(data), key


def test_cp_in_parallel_parts(cli, gcs, tmp_path):
    dest = tmp_path / "big.bin"
    result = cli("--stats", "--part-size", "1M", "cp", gs("big.bin"), str(dest), check_rc=0)
    assert sha256(dest.read_bytes()) == sha256(gcs["objects"]["big.bin"])
    assert stats_of(result.stderr)["get_requests"] >= 6


@pytest.mark.parametrize("first,last", [(0, 0), (0, 9), ((5 << 20) + 2, (5 << 20) + 2),
                                        (1 << 20, (2 << 20) + 99), ((5 << 20) - 5, (5 << 20) + 2)])
def test_ranged_cat(cli, gcs, first, last):
    data = gcs["objects"]["big.bin"]
    out = cli("cat", "--range", f"{first}-{last}", gs("big.bin"), check_rc=0).stdout
    assert out == data[first:last + 1]


def test_range_past_the_end_is_an_error(cli):
    result = cli("cat", "--range", "100-200", gs("hello.txt"), check_rc=1)
    assert b"out of range" in result.stderr


def test_missing_object_and_bucket(cli):
    result = cli("cat", gs("no/such/key"), check_rc=1)
    err = result.stderr.decode()
    assert "not found" in err and "'no/such/key'" in err and f"'{BUCKET}'" in err
    assert "HTTP 404" in err
    result = cli("stat", "gs://no-such-bucket-here/x", check_rc=1)
    assert "not found" in result.stderr.decode()
    assert "no-such-bucket-here" in result.stderr.decode()


def test_missing_credentials_name_every_source(cli, tmp_path):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path),
           "NO_GCE_CHECK": "true"}
    err = cli("stat", gs("hello.txt"), env=env, check_rc=1).stderr.decode()
    assert "no Google Cloud credentials found" in err
    assert "GOOGLE_APPLICATION_CREDENTIALS (unset)" in err
    assert "application_default_credentials.json" in err
    assert "NO_GCE_CHECK" in err

    env["GOOGLE_APPLICATION_CREDENTIALS"] = str(tmp_path / "missing-key.json")
    err = cli("stat", gs("hello.txt"), env=env, check_rc=1).stderr.decode()
    assert "missing-key.json" in err and "GOOGLE_APPLICATION_CREDENTIALS" in err


# --- OAuth2 service-account flow, end to end through the real transport ---------------

def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class AuthServer(http.server.ThreadingHTTPServer):
    """token_uri + a one-object GCS JSON API that demands the token it issued."""

    def __init__(self, public_key_path):
        super().__init__(("127.0.0.1", 0), AuthHandler)
        self.public_key_path = public_key_path
        self.assertions = []
        self.authorizations = []
        self.body = b"secret bytes behind OAuth2\n"


class AuthHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body, headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        form = urllib.parse.parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        assertion = form["assertion"][0]
        self.server.assertions.append(assertion)
        signing_input, _, signature = assertion.rpartition(".")
        sig_file = pathlib.Path(self.server.public_key_path).with_suffix(".sig")
        sig_file.write_bytes(b64url_decode(signature))
        verify = subprocess.run(["openssl", "dgst", "-sha256", "-verify",
                                 self.server.public_key_path, "-signature", str(sig_file)],
                                input=signing_input.encode(), capture_output=True)
        if (form["grant_type"][0] != "urn:ietf:params:oauth:grant-type:jwt-bearer"
                or verify.returncode != 0):
            self.reply(400, b'{"error":"invalid_grant","error_description":"Invalid JWT Signature."}')
            return
        self.reply(200, b'{"access_token":"ya29.issued-token","expires_in":3600}')

    def do_GET(self):
        self.server.authorizations.append(self.headers.get("Authorization"))
        if self.headers.get("Authorization") != "Bearer ya29.issued-token":
            self.reply(401, b'{"error":{"code":401,"message":"Invalid Credentials"}}')
            return
        body = self.server.body
        if "alt=media" in self.path:
            self.reply(200, body, [("x-goog-generation", "42")])
        else:
            self.reply(200, json.dumps({"name": "obj", "size": str(len(body)), "generation": "42",
                                        "etag": "CCo=", "updated": "2026-01-01T00:00:00Z"}
                                       ).encode())


@pytest.fixture
def auth_server(tmp_path):
    key = tmp_path / "key.pem"
    subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                    "-out", str(key)], check=True, capture_output=True)
    pub = tmp_path / "pub.pem"
    subprocess.run(["openssl", "pkey", "-in", str(key), "-pubout", "-out", str(pub)], check=True,
                   capture_output=True)
    server = AuthServer(str(pub))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        endpoint = f"http://127.0.0.1:{server.server_address[1]}"
        key_file = tmp_path / "service-account.json"
        key_file.write_text(json.dumps({
            "type": "service_account", "client_email": "reader@objectfs-test.iam.gserviceaccount.com",
            "private_key_id": "k1", "private_key": key.read_text(), "token_uri": endpoint + "/token"}))
        yield server, endpoint, key_file
    finally:
        server.shutdown()
        server.server_close()


def test_service_account_key_gets_a_token_and_reads(cli, auth_server, tmp_path):
    server, endpoint, key_file = auth_server
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path),
           "NO_GCE_CHECK": "true", "GOOGLE_APPLICATION_CREDENTIALS": str(key_file)}
    out = cli("--gcs-endpoint", endpoint, "cat", "gs://private-bucket/obj", env=env, check_rc=0)
    assert out.stdout == server.body
    assert len(server.assertions) == 1  # one token for the stat and the read
    claims = json.loads(b64url_decode(server.assertions[0].split(".")[1]))
    assert claims["iss"] == "reader@objectfs-test.iam.gserviceaccount.com"
    assert claims["aud"] == endpoint + "/token"
    assert claims["scope"] == "https://www.googleapis.com/auth/devstorage.read_only"
    assert claims["exp"] - claims["iat"] == 3600
    assert abs(claims["iat"] - time.time()) < 120
    assert server.authorizations == ["Bearer ya29.issued-token"] * 2


def test_wrong_key_is_rejected_with_the_source_named(cli, auth_server, tmp_path):
    server, endpoint, key_file = auth_server
    other = tmp_path / "other.pem"
    subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-out", str(other)], check=True,
                   capture_output=True)
    doc = json.loads(key_file.read_text())
    doc["private_key"] = other.read_text()
    key_file.write_text(json.dumps(doc))
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path),
           "NO_GCE_CHECK": "true"}
    err = cli("--gcs-endpoint", endpoint, "--gcs-credentials", str(key_file), "stat",
              "gs://private-bucket/obj", env=env, check_rc=1).stderr.decode()
    assert "permission denied" in err
    assert "invalid_grant: Invalid JWT Signature." in err
    assert "reader@objectfs-test.iam.gserviceaccount.com" in err and str(key_file) in err
    assert "PRIVATE KEY" not in err

    # Anonymous requests reach the server, which refuses them: the source is named.
    err = cli("--gcs-endpoint", endpoint, "--gcs-anonymous", "stat", "gs://private-bucket/obj",
              env=env, check_rc=1).stderr.decode()
    assert "HTTP 401: Invalid Credentials" in err and "(credentials: anonymous" in err


# --- the mount --------------------------------------------------------------------------

def is_mounted(path):
    path = os.path.realpath(str(path))
    with open("/proc/mounts", encoding="utf-8") as f:
        return any(line.split()[1] == path for line in f)


@pytest.mark.skipif(not os.path.exists("/dev/fuse"), reason="no /dev/fuse")
def test_mount_smoke(gcs, tmp_path):
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path),
           "STORAGE_EMULATOR_HOST": gcs["emulator"].endpoint}
    proc = subprocess.Popen([os.environ["OBJECTFS_BIN"], "mount", gs(), str(mnt), "--foreground",
                             "--log-file", str(tmp_path / "mount.log")],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while not (is_mounted(mnt) and os.path.ismount(mnt)):
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "mount not ready after 20 s"
            time.sleep(0.05)
        objects = gcs["objects"]
        assert sorted(os.listdir(mnt / "dir")) == ["a.bin", "c.txt", "sub"]
        for key in ["hello.txt", "empty", "dir/sub/b.bin", "big.bin", "unicodé/ключ/文件.txt"]:
            assert sha256((mnt / key).read_bytes()) == sha256(objects[key]), key
        with open(mnt / "big.bin", "rb") as f:
            f.seek(3 << 20)
            assert f.read(4096) == objects["big.bin"][3 << 20:(3 << 20) + 4096]
        assert len(os.listdir(mnt / "many")) == MANY
    finally:
        subprocess.run(["fusermount3", "-u", str(mnt)], capture_output=True, timeout=30)
        if is_mounted(mnt):
            subprocess.run(["fusermount3", "-uz", str(mnt)], capture_output=True, timeout=30)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    assert not is_mounted(mnt)
