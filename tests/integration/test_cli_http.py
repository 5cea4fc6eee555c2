"""HTTP(S) store against servers this module starts: Python's http.server, which
ignores Range (a clear error, never wrong bytes), and nginx, which honours it. Reads, ranges and missing URLs for nginx are in
tests/conformance."""

import hashlib
import os
import pathlib
import socket
import subprocess
import sys
import time

import pytest

SERVERS = pathlib.Path(__file__).resolve().parents[1] / "servers"
BIG = hashlib.shake_128(b"http").digest(3_000_000)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def no_range_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("plain-http")
    (root / "big.bin").write_bytes(BIG)
    (root / "small.txt").write_bytes(b"small\n")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)],
                            cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "http.server did not start"
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def nginx(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("nginx")
    subprocess.run([str(SERVERS / "nginx.sh"), "start", str(workdir)], check=True)
    try:
        env = dict(line.split("=", 1) for line in (workdir / "env").read_text().splitlines())
        yield pathlib.Path(env["NGINX_ROOT"]), env["NGINX_URL"]
    finally:
        subprocess.run([str(SERVERS / "nginx.sh"), "stop", str(workdir)], check=False)


def run(*args):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/nonexistent"}
    return subprocess.run([os.environ["OBJECTFS_BIN"], *args], env=env, capture_output=True,
                          timeout=120)


def test_server_ignoring_range_is_a_clear_error(no_range_server):
    result = run("cat", f"{no_range_server}/big.bin")
    assert result.returncode == 1
    assert "the server ignores Range" in result.stderr.decode(), result.stderr.decode()
    assert len(result.stdout) < len(BIG)


def test_whole_small_object_from_a_server_without_ranges(no_range_server):
    result = run("cat", f"{no_range_server}/small.txt")
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == b"small\n"


def test_cp_and_stat_from_nginx(nginx, tmp_path):
    root, url = nginx
    (root / "big.bin").write_bytes(BIG)
    target = tmp_path / "copy.bin"
    result = run("--part-size", "256K", "cp", f"{url}/big.bin", str(target))
    assert result.returncode == 0, result.stderr.decode()
    assert target.read_bytes() == BIG
    stat = run("stat", f"{url}/big.bin").stdout.decode()
    assert f"size:  {len(BIG)}" in stat and 'etag:  "' in stat
