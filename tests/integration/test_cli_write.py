"""`objectfs cp` uploads, `rm` and `uploads ls|abort` against a real Ceph RGW.
Every upload is read back with boto3 (an independent client) and compared by
sha256; failures go through a proxy that fails part uploads."""

import hashlib
import os
import signal
import subprocess
import sys
import time

import boto3
import pytest

from conftest import BUCKET, s3uri

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "servers"))
from fault_proxy import FaultProxy  # noqa: E402

MIB = 1 << 20
PART = 5 * MIB  # S3's smallest part: the tests' part size


@pytest.fixture
def s3(rgw):
    return boto3.client("s3", endpoint_url=rgw["RGW_ENDPOINT"],
                        aws_access_key_id=rgw["RGW_ACCESS_KEY"],
                        aws_secret_access_key=rgw["RGW_SECRET_KEY"], region_name="us-east-1")


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def remote_bytes(s3, key):
    return s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()


def exists(s3, key):
    try:
        s3.head_object(Bucket=BUCKET, Key=key)
        return True
    except s3.exceptions.ClientError:
        return False


def pending(s3, prefix):
    return [u["Key"] for u in s3.list_multipart_uploads(Bucket=BUCKET, Prefix=prefix)
            .get("Uploads", [])]


@pytest.mark.parametrize("size", [0, 1, PART - 1, PART, PART + 1, 4 * PART + 12345])
def test_upload_round_trip(objectfs, s3, tmp_path, size):
    data = os.urandom(size)
    src = tmp_path / "src.bin"
    src.write_bytes(data)
    key = f"write/round-{size}"
    objectfs("--part-size", "5M", "cp", str(src), s3uri(key), check_rc=0)
    assert sha256(remote_bytes(s3, key)) == sha256(data)
    etag = s3.head_object(Bucket=BUCKET, Key=key)["ETag"]
    # One PUT below the part size, a multipart upload (ETag "...-N") above it.
    parts = (size + PART - 1) // PART
    if size > PART:
        assert etag.endswith(f'-{parts}"'), etag
    else:
        assert "-" not in etag, etag
    back = tmp_path / "back.bin"
    objectfs("cp", s3uri(key), str(back), check_rc=0)
    assert back.read_bytes() == data


def test_no_clobber_leaves_the_object(objectfs, s3, tmp_path):
    key = "write/noclobber"
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"original")
    src = tmp_path / "new"
    src.write_bytes(b"replacement")
    result = objectfs("cp", "--no-clobber", str(src), s3uri(key))
    assert result.returncode == 1
    assert b"already exists" in result.stderr and key.encode() in result.stderr
    assert remote_bytes(s3, key) == b"original"
    # Without it the object is replaced; downloads honour it too.
    objectfs("cp", str(src), s3uri(key), check_rc=0)
    assert remote_bytes(s3, key) == b"replacement"
    local = tmp_path / "local"
    local.write_bytes(b"mine")
    assert objectfs("cp", "-n", s3uri(key), str(local)).returncode == 1
    assert local.read_bytes() == b"mine"


def test_store_to_store_copy_is_server_side(objectfs, s3):
    data = os.urandom(3 * MIB + 7)
    s3.put_object(Bucket=BUCKET, Key="write/copy-src", Body=data)
    result = objectfs("--stats", "cp", s3uri("write/copy-src"), s3uri("write/copy-dst"),
                      check_rc=0)
    stats = dict(kv.split("=") for kv in result.stderr.decode().split("stats: ")[-1].split())
    assert stats["get_requests"] == "0" and stats["bytes_uploaded"] == "0"
    assert remote_bytes(s3, "write/copy-dst") == data


def test_recursive_both_ways_like_aws_s3_cp(objectfs, s3, tmp_path):
    tree = tmp_path / "tree"
    files = {"a.txt": b"a" * 10, "sub/b.bin": os.urandom(PART + 3), "sub/deep/c": b""}
    for name, data in files.items():
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        (tree / name).write_bytes(data)
    objectfs("--part-size", "5M", "cp", "-r", "--no-progress", str(tree), s3uri("write/tree/"),
             check_rc=0)
    for name, data in files.items():
        assert remote_bytes(s3, f"write/tree/{name}") == data
    out = tmp_path / "out"
    objectfs("cp", "-r", s3uri("write/tree/"), str(out) + "/", check_rc=0)
    for name, data in files.items():
        assert (out / name).read_bytes() == data
    # rm of a prefix needs -r; -r deletes everything under it.
    assert objectfs("rm", s3uri("write/tree/")).returncode == 1
    objectfs("rm", "-r", s3uri("write/tree/"), check_rc=0)
    assert not s3.list_objects_v2(Bucket=BUCKET, Prefix="write/tree/").get("Contents")


def test_rm_deletes_and_names_a_missing_key(objectfs, s3):
    s3.put_object(Bucket=BUCKET, Key="write/doomed", Body=b"x")
    objectfs("rm", s3uri("write/doomed"), check_rc=0)
    assert not exists(s3, "write/doomed")
    result = objectfs("rm", s3uri("write/doomed"))
    assert result.returncode == 1 and b"not found" in result.stderr
    assert b"write/doomed" in result.stderr


def test_killed_upload_leaves_no_object_and_uploads_abort_cleans_up(objectfs, aws_env, s3,
                                                                    tmp_path):
    src = tmp_path / "big"
    with open(src, "wb") as f:
        for _ in range(40):
            f.write(os.urandom(5 * MIB))
    key = "write/killed/big"
    proc = subprocess.Popen([os.environ["OBJECTFS_BIN"], "--part-size", "5M",
                             "--max-parallel-requests", "2", "cp", "--no-progress", str(src),
                             s3uri(key)], env=aws_env)
    deadline = time.time() + 30
    while not pending(s3, "write/killed/") and time.time() < deadline:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not exists(s3, key)
    listed = objectfs("uploads", "ls", s3uri("write/killed/"), check_rc=0).stdout.decode()
    lines = [l.split("\t") for l in listed.splitlines()]
    assert [l[0] for l in lines] == [key] and len(lines[0]) == 3 and lines[0][1]
    objectfs("uploads", "abort", s3uri("write/killed/"), check_rc=0)
    assert pending(s3, "write/killed/") == []
    assert objectfs("uploads", "ls", s3uri("write/killed/"), check_rc=0).stdout == b""


def test_uploads_ls_is_not_applicable_to_local_files(objectfs, tmp_path):
    result = objectfs("uploads", "ls", str(tmp_path))
    assert result.returncode == 1 and b"not applicable" in result.stderr


@pytest.fixture
def failing_parts(rgw):
    proxies = []

    def make(every):
        proxy = FaultProxy(rgw["RGW_ENDPOINT"], method="PUT", query_has="partNumber",
                           every=every).start()
        proxies.append(proxy)
        return proxy

    yield make
    for proxy in proxies:
        proxy.stop()


def test_failing_parts_give_a_clear_error_and_no_object(objectfs, s3, tmp_path, failing_parts):
    proxy = failing_parts(every=1)
    src = tmp_path / "src"
    src.write_bytes(os.urandom(3 * PART))
    key = "write/failed-parts"
    result = objectfs("--part-size", "5M", "--max-attempts", "2", "cp", str(src), s3uri(key),
                      env_extra={"AWS_ENDPOINT_URL": proxy.url})
    assert result.returncode == 1
    err = result.stderr.decode()
    assert key in err and "part" in err and "HTTP 500" in err, err
    assert not exists(s3, key)
    assert pending(s3, key) == []  # the failed upload was aborted


@pytest.mark.parametrize("no_overwrite", [False, True], ids=["plain", "no-overwrite"])
def test_a_complete_whose_answer_is_lost_is_a_written_object(objectfs, s3, tmp_path, rgw,
                                                             no_overwrite):
    """Every CompleteMultipartUpload reaches RGW, which makes the object, but
    its answer (and each retry's) is cut short. The key's ETag is the one these
    parts make, so cp succeeds; without that check it failed, object there."""
    proxy = FaultProxy(rgw["RGW_ENDPOINT"], method="POST", query_has="uploadId", every=1)
    proxy.fault = "short"  # forwarded, then the answer cut
    proxy.start()
    try:
        data = os.urandom(2 * PART + 12345)
        src = tmp_path / "src"
        src.write_bytes(data)
        key = f"write/lost-complete-{no_overwrite}"
        flags = ["--no-clobber"] if no_overwrite else []
        result = objectfs("--part-size", "5M", "--max-attempts", "3", "cp", *flags, str(src),
                          s3uri(key), env_extra={"AWS_ENDPOINT_URL": proxy.url})
    finally:
        proxy.stop()
    try:
        assert sum("fault short" in entry[3] for entry in proxy.log) >= 1, proxy.log
        assert result.returncode == 0, result.stderr
        body = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        assert hashlib.sha256(body).digest() == hashlib.sha256(data).digest()
    finally:
        s3.delete_object(Bucket=BUCKET, Key=key)


def test_a_corrupted_part_is_rejected_by_the_server(objectfs, s3, tmp_path, rgw):
    """Each part's body is covered by its signed SHA-256: a byte flipped on the
    way fails the upload (the server's check), and nothing appears."""
    proxy = FaultProxy(rgw["RGW_ENDPOINT"], method="PUT", query_has="partNumber", every=2,
                       corrupt=True).start()
    try:
        src = tmp_path / "src"
        src.write_bytes(os.urandom(3 * PART))
        key = "write/corrupted-part"
        result = objectfs("--part-size", "5M", "cp", str(src), s3uri(key),
                          env_extra={"AWS_ENDPOINT_URL": proxy.url})
    finally:
        proxy.stop()
    assert result.returncode == 1
    assert b"XAmzContentSHA256Mismatch" in result.stderr or b"BadDigest" in result.stderr, \
        result.stderr
    assert not exists(s3, key)
    assert pending(s3, key) == []


def test_some_failing_parts_are_retried_to_exact_bytes(objectfs, s3, tmp_path, failing_parts):
    proxy = failing_parts(every=3)
    data = os.urandom(5 * PART + 1)
    src = tmp_path / "src"
    src.write_bytes(data)
    key = "write/retried-parts"
    result = objectfs("--stats", "--part-size", "5M", "cp", str(src), s3uri(key),
                      env_extra={"AWS_ENDPOINT_URL": proxy.url}, check_rc=0)
    assert any(action == "fault 500" for _, _, _, action in proxy.log)
    assert b"retries=0 " not in result.stderr
    assert sha256(remote_bytes(s3, key)) == sha256(data)


def test_wrong_credentials_and_missing_bucket_fail_before_uploading(objectfs, tmp_path):
    src = tmp_path / "src"
    src.write_bytes(b"data")
    denied = objectfs("cp", str(src), s3uri("write/denied"),
                      env_extra={"AWS_SECRET_ACCESS_KEY": "wrong-secret"})
    assert denied.returncode == 1
    assert b"access denied" in denied.stderr and b"credentials from" in denied.stderr
    assert b"wrong-secret" not in denied.stderr
    missing = objectfs("cp", str(src), "s3://no-such-bucket-objectfs/k")
    assert missing.returncode == 1
    assert b"bucket 'no-such-bucket-objectfs' does not exist" in missing.stderr


def test_unreachable_endpoint_is_one_clear_line(objectfs, tmp_path):
    src = tmp_path / "src"
    src.write_bytes(b"data")
    result = objectfs("--max-attempts", "1", "cp", str(src), s3uri("write/unreachable"),
                      env_extra={"AWS_ENDPOINT_URL": "http://127.0.0.1:9"})
    assert result.returncode == 1
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "unavailable" in lines[0] and "write/unreachable" in lines[0]


def test_local_to_local_copy_is_atomic_and_exact(objectfs, tmp_path):
    data = os.urandom(3 * MIB + 5)
    (tmp_path / "a").write_bytes(data)
    objectfs("cp", str(tmp_path / "a"), str(tmp_path / "b"), check_rc=0)
    assert (tmp_path / "b").read_bytes() == data
    assert [p.name for p in tmp_path.iterdir() if "objectfs" in p.name] == []


def test_http_store_is_read_only(objectfs, tmp_path):
    src = tmp_path / "src"
    src.write_bytes(b"data")
    result = objectfs("cp", str(src), "http://127.0.0.1:9/x")
    assert result.returncode == 1 and b"read-only" in result.stderr


def test_large_upload_stays_within_the_memory_limit(objectfs, aws_env, s3, tmp_path):
    """A 2 GiB upload with --memory-limit 128M: peak RSS stays near the budget."""
    src = tmp_path / "large"
    block = os.urandom(MIB)
    digest = hashlib.sha256()
    with open(src, "wb") as f:
        for i in range(2048):
            chunk = i.to_bytes(8, "little") + block[8:]
            f.write(chunk)
            digest.update(chunk)
    key = "write/large"
    cmd = ["/usr/bin/time", "-f", "maxrss_kib=%M", os.environ["OBJECTFS_BIN"], "--memory-limit",
           "128M", "cp", "--no-progress", str(src), s3uri(key)]
    result = subprocess.run(cmd, env=aws_env, capture_output=True, timeout=600)
    assert result.returncode == 0, result.stderr.decode()
    rss_mib = int(result.stderr.decode().split("maxrss_kib=")[-1].split()[0]) / 1024
    # AddressSanitizer's shadow memory and quarantine add a few hundred MiB of
    # their own; a writer holding the file (2 GiB) still fails either bound.
    bound = 1024 if os.environ.get("OBJECTFS_SANITIZED") == "1" else 128 + 64
    assert rss_mib < bound, f"peak RSS {rss_mib:.0f} MiB with --memory-limit 128M"
    remote = hashlib.sha256()
    for chunk in s3.get_object(Bucket=BUCKET, Key=key)["Body"].iter_chunks(8 * MIB):
        remote.update(chunk)
    assert remote.hexdigest() == digest.hexdigest()
    s3.delete_object(Bucket=BUCKET, Key=key)


def test_download_into_devices_links_and_fifos_keeps_them(objectfs, s3, tmp_path):
    """cp writes into an existing device, FIFO or symlink target, as cp(1) does;
    a failed write (/dev/full) is exit 1 naming the path."""
    import stat
    import threading

    s3.put_object(Bucket=BUCKET, Key="write/small", Body=b"payload")
    full = objectfs("cp", s3uri("write/small"), "/dev/full")
    assert full.returncode == 1 and b"/dev/full" in full.stderr
    assert b"No space left" in full.stderr
    objectfs("cp", s3uri("write/small"), "/dev/null", check_rc=0)
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode) and stat.S_ISCHR(os.stat("/dev/full").st_mode)
    target = tmp_path / "target"
    target.write_bytes(b"old")
    link = tmp_path / "link"
    link.symlink_to(target)
    objectfs("cp", s3uri("write/small"), str(link), check_rc=0)
    assert link.is_symlink() and target.read_bytes() == b"payload"
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(open(fifo, "rb").read()))
    reader.start()
    objectfs("cp", s3uri("write/small"), str(fifo), check_rc=0)
    reader.join(10)
    assert got == [b"payload"]
