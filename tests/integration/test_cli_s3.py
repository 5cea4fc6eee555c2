"""`objectfs ls|stat|cat|cp` against a real Ceph RGW, with fixtures uploaded by
boto3: our SigV4 is checked by the server, bytes by sha256 against the source."""

import hashlib
import os
import re
import socket
import threading
import time

import pytest

from conftest import BUCKET, s3uri


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def present(manifest):
    """Uploaded objects, without most of the 1100 tiny listing keys (they add only time)."""
    return {k: v for k, v in manifest.items()
            if not v.get("skipped") and not (k.startswith("many/") and not k.endswith("00"))}


def stats_of(stderr):
    line = [l for l in stderr.decode().splitlines() if l.startswith("stats:")][-1]
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}


@pytest.mark.parametrize("verb", ["ls", "stat", "cat", "cp"])
def test_help_for_each_verb(objectfs, verb):
    result = objectfs(verb, "--help", check_rc=0)
    assert b"Usage" in result.stdout or b"usage" in result.stdout.lower()


def test_ls_root_shows_objects_and_prefixes(objectfs):
    out = objectfs("ls", s3uri(), check_rc=0).stdout.decode().splitlines()
    assert "hello.txt" in out
    assert "dir/" in out
    assert "many/" in out
    assert "dir/a.bin" not in out  # one level only


def test_ls_long_and_recursive(objectfs, rgw):
    out = objectfs("ls", "-l", s3uri("dir/"), check_rc=0).stdout.decode().splitlines()
    lines = {line.split()[-1]: line for line in out}
    assert "dir/sub/" in lines
    assert lines["dir/a.bin"].split()[0] == str(rgw["manifest"]["dir/a.bin"]["size"])
    rec = objectfs("ls", "-r", s3uri("dir/"), check_rc=0).stdout.decode().splitlines()
    assert "dir/sub/b.bin" in rec
    assert not any(line.endswith("/") for line in rec)


def test_ls_pages_through_listing(objectfs):
    result = objectfs("ls", "--stats", s3uri("many/"), check_rc=0)
    keys = result.stdout.decode().splitlines()
    assert len(keys) == 1100
    assert keys == sorted(keys)
    assert stats_of(result.stderr)["list_requests"] == 2


def test_stat_matches_boto3(objectfs, rgw):
    entry = rgw["manifest"]["dir/sub/b.bin"]
    out = objectfs("stat", s3uri("dir/sub/b.bin"), check_rc=0).stdout.decode()
    assert f"size:  {entry['size']}" in out
    assert f"etag:  {entry['etag']}" in out
    assert re.search(r"mtime: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", out)


def test_cat_every_object_is_byte_identical(objectfs, rgw):
    for key, entry in present(rgw["manifest"]).items():
        result = objectfs("cat", s3uri(key), check_rc=0)
        assert sha256(result.stdout) == entry["sha256"], key


def test_awkward_keys_are_present(rgw):
    manifest = rgw["manifest"]
    for key in ["space name.txt", "plus+sign.txt", "percent%20.txt", "unicodé/ключ/文件.txt"]:
        assert key in manifest and not manifest[key].get("skipped"), key
    assert any(len(k) >= 900 for k in present(manifest))


def test_cat_ranges(objectfs, rgw):
    data = open(rgw["manifest"]["dir/a.bin"]["file"], "rb").read()
    uri = s3uri("dir/a.bin")
    assert objectfs("cat", uri, "--range", "0-0", check_rc=0).stdout == data[:1]
    last = len(data) - 1
    assert objectfs("cat", uri, "--range", f"{last}-{last}", check_rc=0).stdout == data[-1:]
    assert objectfs("cat", uri, "--range", "1000-200000", check_rc=0).stdout == data[1000:200001]
    assert objectfs("cat", uri, "--range", "5000-", check_rc=0).stdout == data[5000:]
    # An end past the object is clamped, like HTTP.
    assert objectfs("cat", uri, "--range", f"{last - 1}-{last + 100}", check_rc=0).stdout == data[-2:]


def test_cat_range_past_end_is_a_clear_error(objectfs, rgw):
    size = rgw["manifest"]["hello.txt"]["size"]
    result = objectfs("cat", s3uri("hello.txt"), "--range", f"{size}-{size + 10}")
    assert result.returncode != 0
    err = result.stderr.decode()
    assert "past the end" in err and f"size {size}" in err and "hello.txt" in err
    assert result.stdout == b""
    bad = objectfs("cat", s3uri("hello.txt"), "--range", "10-2")
    assert bad.returncode != 0 and b"END is before START" in bad.stderr


def test_zero_byte_object(objectfs, tmp_path):
    assert objectfs("cat", s3uri("empty"), check_rc=0).stdout == b""
    assert "size:  0" in objectfs("stat", s3uri("empty"), check_rc=0).stdout.decode()
    objectfs("cp", s3uri("empty"), str(tmp_path / "empty"), check_rc=0)
    assert (tmp_path / "empty").read_bytes() == b""


def test_cp_downloads_in_parallel_parts(objectfs, rgw, tmp_path):
    entry = rgw["manifest"]["big.bin"]
    dest = tmp_path / "big.bin"
    result = objectfs("--stats", "--part-size", "1M", "cp", s3uri("big.bin"), str(dest), check_rc=0)
    assert sha256(dest.read_bytes()) == entry["sha256"]
    stats = stats_of(result.stderr)
    assert stats["get_requests"] == (entry["size"] + (1 << 20) - 1) >> 20
    assert stats["bytes_downloaded"] == entry["size"]
    assert not [p for p in os.listdir(tmp_path) if "partial" in p]


def test_cp_into_directory_keeps_the_basename(objectfs, rgw, tmp_path):
    objectfs("cp", s3uri("unicodé/ключ/文件.txt"), str(tmp_path), check_rc=0)
    got = (tmp_path / "文件.txt").read_bytes()
    assert sha256(got) == rgw["manifest"]["unicodé/ключ/文件.txt"]["sha256"]


def test_missing_key(objectfs):
    result = objectfs("cat", s3uri("no/such/key"))
    assert result.returncode == 1
    err = result.stderr.decode()
    assert "not found" in err and "s3://objectfs-test/no/such/key" in err
    assert "NoSuchKey" in err
    assert len(err.strip().splitlines()) == 1


def test_missing_bucket(objectfs):
    for args in (["stat", "s3://no-such-bucket-xyz/key"], ["ls", "s3://no-such-bucket-xyz/"]):
        result = objectfs(*args)
        assert result.returncode == 1
        err = result.stderr.decode()
        assert "bucket 'no-such-bucket-xyz' does not exist" in err, err


@pytest.mark.parametrize("uri,reason", [
    ("s3://", "missing bucket"),
    ("s3:///key", "missing bucket"),
    ("s3://bad bucket/x", "invalid bucket name"),
    ("s3:bucket/key", "expected s3://"),
    ("ftp://host/x", "unsupported URI scheme"),
])
def test_malformed_uris(objectfs, uri, reason):
    result = objectfs("stat", uri)
    assert result.returncode == 1
    assert reason in result.stderr.decode()


def test_wrong_secret_names_the_source_not_the_secret(objectfs):
    secret = "definitely-wrong-secret-value"
    result = objectfs("cat", s3uri("hello.txt"), env_extra={"AWS_SECRET_ACCESS_KEY": secret})
    assert result.returncode == 1
    err = result.stderr.decode()
    assert "access denied" in err
    assert "SignatureDoesNotMatch" in err
    assert "environment variables" in err
    assert secret not in err


def test_unknown_access_key(objectfs):
    result = objectfs("ls", s3uri(), env_extra={"AWS_ACCESS_KEY_ID": "NOSUCHKEY0000000"})
    assert result.returncode == 1
    assert "InvalidAccessKeyId" in result.stderr.decode()


def test_shared_credentials_file_and_profiles(objectfs, rgw, tmp_path):
    creds = tmp_path / "credentials"
    creds.write_text(f"[bench]\naws_access_key_id = {rgw['RGW_ACCESS_KEY']}\n"
                     f"aws_secret_access_key = {rgw['RGW_SECRET_KEY']}\n")
    env = {"AWS_SHARED_CREDENTIALS_FILE": str(creds)}
    no_env_keys = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
    ok = objectfs("--profile", "bench", "cat", s3uri("hello.txt"), env_extra=env, env_remove=no_env_keys)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout == b"hello objectfs\n"
    ok2 = objectfs("cat", s3uri("hello.txt"), env_extra={**env, "AWS_PROFILE": "bench"},
                   env_remove=no_env_keys)
    assert ok2.returncode == 0, ok2.stderr
    missing = objectfs("--profile", "nope", "cat", s3uri("hello.txt"), env_extra=env,
                       env_remove=no_env_keys)
    assert missing.returncode == 1
    assert "nope" in missing.stderr.decode()


def test_no_credentials_at_all_is_explained(objectfs):
    result = objectfs("stat", s3uri("hello.txt"), env_remove=("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"))
    assert result.returncode == 1
    err = result.stderr.decode()
    assert "no AWS credentials found" in err and "--no-sign-request" in err


def test_anonymous_request_to_private_bucket_is_denied(objectfs):
    result = objectfs("--no-sign-request", "stat", s3uri("hello.txt"))
    assert result.returncode == 1
    err = result.stderr.decode()
    assert "access denied" in err and "anonymous" in err


def test_closed_port_fails_fast(objectfs):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    start = time.monotonic()
    result = objectfs("--max-attempts", "2", "stat", s3uri("hello.txt"),
                      env_extra={"AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}"})
    assert result.returncode == 1
    err = result.stderr.decode()
    assert "unavailable" in err and "gave up after 2 attempts" in err
    assert time.monotonic() - start < 10


def test_stalled_server_times_out(objectfs):
    """A server that accepts and never answers must not hang the client."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    port = server.getsockname()[1]
    accepted = []
    stop = threading.Event()

    def accept_forever():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                pass

    thread = threading.Thread(target=accept_forever, daemon=True)
    thread.start()
    try:
        start = time.monotonic()
        result = objectfs("--read-timeout", "1", "--max-attempts", "2", "stat", s3uri("hello.txt"),
                          env_extra={"AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}"}, timeout=60)
        elapsed = time.monotonic() - start
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        server.close()
    assert result.returncode == 1
    assert "gave up after 2 attempts" in result.stderr.decode()
    assert elapsed < 15, elapsed
    assert len(accepted) >= 2


def test_cat_streams_within_the_memory_budget(objectfs, rgw):
    entry = rgw["manifest"]["big.bin"]
    result = objectfs("--stats", "--memory-limit", "16M", "--part-size", "4M", "cat", s3uri("big.bin"),
                      check_rc=0)
    assert sha256(result.stdout) == entry["sha256"]
    stats = stats_of(result.stderr)
    # One budget for cache and readahead; cat's own 1 MiB demand read may add to it.
    assert stats["memory_peak"] <= (16 + 1) << 20, stats
    assert stats["bytes_downloaded"] == entry["size"]  # nothing fetched twice
    parts = (entry["size"] + (4 << 20) - 1) >> 22
    assert stats["get_requests"] <= parts + 4, stats  # part-sized GETs after a short ramp-up


def test_cat_range_fetches_only_what_it_needs(objectfs, rgw):
    data = open(rgw["manifest"]["big.bin"]["file"], "rb").read()
    result = objectfs("--stats", "cat", s3uri("big.bin"), "--range", "20000000-20065535", check_rc=0)
    assert result.stdout == data[20000000:20065536]
    assert stats_of(result.stderr)["bytes_downloaded"] <= 2 * 65536
