"""A server that ignores If-Match (nginx behind a proxy that drops the header,
as some S3-compatible servers and caches do) and answers with another
version's bytes: reads fail as changed instead of returning those bytes."""

import os
import pathlib
import subprocess

import pytest

import objectfs

SERVERS = pathlib.Path(__file__).resolve().parents[1] / "servers"
# Tools run without the sanitizer runtime the ASan build preloads into Python.
TOOL_ENV = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "ASAN_OPTIONS")}


@pytest.fixture(scope="module")
def nginx(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("nginx-no-if-match")
    subprocess.run([str(SERVERS / "nginx.sh"), "start", str(workdir)], check=True, env=TOOL_ENV,
                   timeout=60)
    try:
        env = dict(line.split("=", 1) for line in (workdir / "env").read_text().splitlines())
        yield env
    finally:
        subprocess.run([str(SERVERS / "nginx.sh"), "stop", str(workdir)], check=False,
                       env=TOOL_ENV, timeout=60)


def replace(path, data):
    old = path.stat().st_mtime
    path.write_bytes(data)
    os.utime(path, (old + 10, old + 10))  # nginx's ETag is mtime-size: make it change


@pytest.mark.parametrize("size", [1000, 3 << 20])
def test_s3_read_of_a_replaced_object_through_a_server_ignoring_if_match(nginx, size):
    path = pathlib.Path(nginx["NGINX_ROOT"]) / "bkt" / f"obj{size}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"a" * size)
    client = objectfs.Client(endpoint_url=nginx["NGINX_NO_IF_MATCH_URL"], no_sign_request=True,
                             force_path_style=True, max_attempts=1)
    with objectfs.open(f"s3://bkt/obj{size}", "rb", client=client) as f:
        replace(path, b"b" * size)
        with pytest.raises(objectfs.ObjectChangedError) as e:
            f.read()
        assert f"obj{size}" in str(e.value) and "ETag" in str(e.value)


def test_the_proxy_really_drops_if_match(nginx):
    """Without the proxy, nginx itself refuses the stale ETag (412)."""
    path = pathlib.Path(nginx["NGINX_ROOT"]) / "bkt" / "direct"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"a" * 100)
    etag = subprocess.run(["curl", "-sI", nginx["NGINX_URL"] + "/bkt/direct"], check=True,
                          capture_output=True, text=True, env=TOOL_ENV, timeout=30).stdout
    etag = [l.split(":", 1)[1].strip() for l in etag.splitlines() if l.lower().startswith("etag")][0]
    replace(path, b"b" * 100)
    codes = {}
    for name in ("NGINX_URL", "NGINX_NO_IF_MATCH_URL"):
        codes[name] = subprocess.run(
            ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", f"If-Match: {etag}",
             "-H", "Range: bytes=0-9", nginx[name] + "/bkt/direct"],
            check=True, capture_output=True, text=True, env=TOOL_ENV, timeout=30).stdout
    assert codes == {"NGINX_URL": "412", "NGINX_NO_IF_MATCH_URL": "206"}
