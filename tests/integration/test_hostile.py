"""Every verb against a hostile server (tests/servers/hostile_server.py):
truncated, doubled and random XML, HTML, negative and absurd sizes, bad dates,
huge headers, 206 with a wrong Content-Range, IsTruncated without a token or
with the same token forever, stalls and trickles. Each ends with exit status 1
and one line naming the URI (or, where the answer is only odd, exact bytes),
never a signal, never a hang."""

import os
import subprocess
import sys
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "servers"))
from hostile_server import GOOD_BYTES, HostileServer  # noqa: E402

# Everything bounded: a hung verb fails its test at this many seconds.
LIMIT_S = 30
FAST = ["--max-attempts", "2", "--read-timeout", "1", "--connect-timeout", "1",
        "--retry-initial-backoff", "0.05", "--retry-max-backoff", "0.2"]


@pytest.fixture(scope="module")
def server():
    s = HostileServer(stall_seconds=20).start()
    yield s
    s.stop()


@pytest.fixture
def run(server, tmp_path):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path),
           "AWS_ACCESS_KEY_ID": "AKIDHOSTILE", "AWS_SECRET_ACCESS_KEY": "hostile-secret",
           "AWS_ENDPOINT_URL": server.url, "AWS_REGION": "us-east-1",
           "AWS_EC2_METADATA_DISABLED": "true"}

    def go(*args, options=FAST):
        start = time.monotonic()
        result = subprocess.run([os.environ["OBJECTFS_BIN"], *options, *args], env=env,
                                capture_output=True, timeout=LIMIT_S + 30)
        result.elapsed = time.monotonic() - start
        return result

    return go


def one_line_error(result, uri, pattern=None):
    err = result.stderr.decode(errors="replace")
    assert result.returncode >= 0, f"signal {-result.returncode}: {err}"
    assert result.returncode == 1, (result.returncode, err)
    assert result.elapsed < LIMIT_S, result.elapsed
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert uri in lines[0], lines[0]
    assert "hostile-secret" not in err
    if pattern:
        assert pattern in lines[0], lines[0]
    return lines[0]


LIST_ERRORS = {
    "loop-token": "repeated its continuation token",
    "no-token": "truncated without a continuation token",
    "truncated-xml": "malformed ListObjectsV2 response",
    "doubled-xml": "2 root elements",
    "html-list": "no ListBucketResult element",
    "random-list": "malformed ListObjectsV2 response",
    "empty-list": "malformed ListObjectsV2 response",
    "negative-size": "malformed size '-1'",
    "huge-size": "malformed size '100000000000000000000000'",
    "absurd-size": "absurd size",
    "text-size": "malformed size 'ten'",
    "error-200": "no ListBucketResult element",
    "html-500": "HTTP 500",
    "html-403": "HTTP 403",
    "truncated-error": "HTTP 404",
    "deep-xml": "malformed",
}


@pytest.mark.parametrize("bucket", sorted(LIST_ERRORS))
def test_ls_of_a_hostile_listing(run, bucket):
    uri = f"s3://{bucket}/"
    one_line_error(run("ls", "-l", uri), uri, LIST_ERRORS[bucket])


OUTSIDE = {"outside-prefix": "outside the prefix 'dir/'",
           "outside-common-prefix": "not a directory under 'dir/'"}


@pytest.mark.parametrize("bucket", sorted(OUTSIDE))
def test_names_outside_the_prefix_are_refused(run, tmp_path, bucket):
    """rm -r and cp -r cut the prefix off each key: a key outside it used to
    abort them with std::out_of_range (and the mount's readdir too)."""
    uri = f"s3://{bucket}/dir/"
    one_line_error(run("ls", uri), uri, OUTSIDE[bucket])
    if bucket == "outside-prefix":  # recursive listings have no common prefixes
        one_line_error(run("rm", "-r", uri), uri, OUTSIDE[bucket])
        one_line_error(run("cp", "-r", uri, str(tmp_path / "d")), uri, OUTSIDE[bucket])


@pytest.mark.parametrize("bucket", ["loop-token", "doubled-xml", "absurd-size", "no-token"])
def test_rm_cp_and_warm_of_a_hostile_listing(run, tmp_path, bucket):
    uri = f"s3://{bucket}/"
    one_line_error(run("rm", "-r", uri), uri, LIST_ERRORS[bucket])
    one_line_error(run("cp", "-r", uri, str(tmp_path / "d")), uri, LIST_ERRORS[bucket])
    assert not (tmp_path / "d").exists() or os.listdir(tmp_path / "d") == []
    one_line_error(run("--cache-dir", str(tmp_path / "c"), "warm", "--no-progress", uri), uri,
                   LIST_ERRORS[bucket])


def test_a_bad_date_in_a_listing_reads_as_unknown(run):
    """The documented fallback: an unparseable LastModified is the epoch."""
    result = run("ls", "-l", "s3://bad-date-list/")
    assert result.returncode == 0, result.stderr
    assert b"1970-01-01T00:00:00Z  k" in result.stdout


HEAD_ERRORS = {
    "huge-length": "malformed content-length header '100000000000000000000000'",
    "absurd-length": "absurd Content-Length",
    "negative-length": "Invalid Content-Length",
    "text-length": "Invalid Content-Length",
    "huge-header": "curl error",
    "many-headers": "Too large response headers",
    "head-500": "HTTP 500",
    "head-403": "HTTP 403",
    "head-301": "HTTP 301",
}
# Plain HTTP reads with a GET where a HEAD is refused (presigned URLs sign one
# method): a 403 HEAD is not an error there.
HTTP_HEAD_FALLBACK = {"head-403"}

GET_ERRORS = {
    "wrong-range": "does not match Content-Range",
    "range-past-total": "does not match Content-Range",
    "bad-content-range": "does not match Content-Range",
    "short-200": "arrived short",
    "long-200": "more",  # S3: "more bytes than requested"; HTTP: "sent more than"
    "html-get": "arrived short",
    "get-404-html": "HTTP 404",
    "get-500-random": "HTTP 500",
    "other-etag": "changed since it was opened",
    "trickle": "too slow",
    "stall": "too slow",
}


@pytest.mark.parametrize("scheme", ["s3", "http"])
@pytest.mark.parametrize("key", sorted(HEAD_ERRORS) + sorted(GET_ERRORS))
def test_cat_cp_stat_of_a_hostile_object(run, server, tmp_path, scheme, key):
    if scheme == "http" and key in HTTP_HEAD_FALLBACK:
        result = run("cat", f"{server.url}/bkt/{key}")
        assert result.returncode == 0 and result.stdout == GOOD_BYTES, result.stderr
        return
    uri = f"s3://bkt/{key}" if scheme == "s3" else f"{server.url}/bkt/{key}"
    expected = HEAD_ERRORS.get(key) or GET_ERRORS[key]
    one_line_error(run("cat", uri), uri, expected)
    dest = tmp_path / "out"
    dest.mkdir()
    one_line_error(run("cp", uri, str(dest / "x")), uri, expected)
    assert os.listdir(dest) == [], "cp left a file behind"
    if key in HEAD_ERRORS:
        one_line_error(run("stat", uri), uri, expected)


@pytest.mark.parametrize("key", ["bad-date", "html-head"])
def test_odd_but_valid_answers_give_exact_bytes(run, key):
    result = run("cat", f"s3://bkt/{key}")
    assert result.returncode == 0, result.stderr
    assert result.stdout == GOOD_BYTES


@pytest.mark.parametrize("bucket,expected", [
    ("mpu-garbage", "malformed InitiateMultipartUploadResult"),
    ("mpu-no-id", "without an UploadId"),
    ("mpu-html", "no InitiateMultipartUploadResult element")])
def test_upload_to_a_hostile_server(run, tmp_path, bucket, expected):
    src = tmp_path / "src"
    src.write_bytes(os.urandom(6 << 20))
    uri = f"s3://{bucket}/upload"
    one_line_error(run("--part-size", "5M", "cp", str(src), uri), uri, expected)


def test_a_trickle_is_bounded_by_the_read_timeout(run):
    """1 byte/s used to pass curl's 1 byte/s minimum forever: no bound at all."""
    result = run("cat", "s3://bkt/trickle", options=["--max-attempts", "2", "--read-timeout", "2"])
    one_line_error(result, "s3://bkt/trickle", "too slow")
    assert result.elapsed < 2 * (2 + 2) + 1, result.elapsed  # two tries
