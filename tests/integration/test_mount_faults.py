"""The fault matrix for the mount against RGW: every fault of
tests/servers/fault_proxy.py x {sequential read, random pread} x two rates,
and the mount's settings that protect other users.

One mount per fault, through one proxy: every 3rd request misbehaving, a
sequential read and random preads of their own files give exact bytes; then
every request misbehaving, reads of two more files fail with EIO within
fault_matrix.BOUND_S (no hang, no wrong bytes)."""

import errno
import os
import subprocess
import sys
import threading
import time
import uuid

import boto3
import pytest

from conftest import BUCKET
from test_mount import is_mounted, mounter  # noqa: F401  (the fixture)

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "servers"))
import fault_matrix as fm  # noqa: E402
from fault_proxy import FAULTS, FaultProxy  # noqa: E402

SIZE = 300 << 10
ATTEMPTS = fm.MOUNT_ATTEMPTS
OPTIONS = fm.mount_options()


@pytest.fixture(scope="module")
def files(rgw):
    s3 = boto3.client("s3", endpoint_url=rgw["RGW_ENDPOINT"],
                      aws_access_key_id=rgw["RGW_ACCESS_KEY"],
                      aws_secret_access_key=rgw["RGW_SECRET_KEY"], region_name="us-east-1")
    prefix = f"mount-faults-{uuid.uuid4().hex[:8]}/"
    data = {}
    for fault in FAULTS:
        for name in ("seq3", "pread3", "seq1", "pread1"):
            body = os.urandom(SIZE)
            s3.put_object(Bucket=BUCKET, Key=f"{prefix}{fault}/{name}", Body=body)
            data[(fault, name)] = body
    return prefix, data


read_seq, pread_all = fm.read_seq, fm.pread_all


@pytest.mark.parametrize("fault", FAULTS)
def test_mount_reads_through_faults(mounter, rgw, files, fault):  # noqa: F811
    prefix, data = files
    proxy = FaultProxy(rgw["RGW_ENDPOINT"], fault="500", every=0, stall_seconds=fm.STALL_S,
                       refuse_seconds=fm.REFUSE_S).start()
    try:
        mnt, _ = mounter(*OPTIONS, "--part-size", "64K",
                         uri=f"s3://{BUCKET}/{prefix}{fault}/",
                         env_extra={"AWS_ENDPOINT_URL": proxy.url})
        names = sorted(os.listdir(mnt))  # the listing before any fault
        assert names == ["pread1", "pread3", "seq1", "seq3"]
        for name in names:
            os.stat(mnt / name)  # metadata cached before the faults start
        proxy.change(fault, fm.EVERY_THIRD)
        assert read_seq(mnt / "seq3") == data[(fault, "seq3")]
        assert pread_all(mnt / "pread3", SIZE, 3) == data[(fault, "pread3")]
        assert proxy.injected(), "the proxy injected nothing"
        # Every request fails: EIO, within the bound of the mount's settings.
        proxy.change(fault, fm.EVERY)
        bound = fm.request_bound_s(ATTEMPTS) + 4
        for name, read in (("seq1", read_seq), ("pread1", lambda p: pread_all(p, SIZE, 1))):
            start = time.monotonic()
            with pytest.raises(OSError) as raised:
                read(mnt / name)
            assert raised.value.errno == errno.EIO, raised.value
            assert time.monotonic() - start < bound
    finally:
        proxy.stop()


def test_other_users_are_kept_out_by_default(mounter):  # noqa: F811
    mnt, _ = mounter()
    with open("/proc/mounts", encoding="utf-8") as f:
        line = next(x for x in f if f" {mnt} " in x)
    options = line.split()[3].split(",")
    assert "allow_other" not in options, line
    assert "default_permissions" in options, line  # the kernel checks modes


def reader_outcome(path, results):
    try:
        with open(path, "rb") as f:
            results.append(("bytes", f.read()))
    except OSError as e:
        results.append(("error", e.errno))


def test_kill_9_during_reads_and_the_next_mount(mounter, rgw, tmp_path):  # noqa: F811
    """A reader blocked in the mount (its GETs stall at the proxy) gets an
    error, not a hang, when the daemon is killed; fusermount3 -u and a new
    mount over the same disk cache work, with exact bytes and no corrupt
    block."""
    s3 = boto3.client("s3", endpoint_url=rgw["RGW_ENDPOINT"],
                      aws_access_key_id=rgw["RGW_ACCESS_KEY"],
                      aws_secret_access_key=rgw["RGW_SECRET_KEY"], region_name="us-east-1")
    prefix = f"mount-kill-{uuid.uuid4().hex[:8]}/"
    body = os.urandom(24 << 20)
    s3.put_object(Bucket=BUCKET, Key=prefix + "big", Body=body)
    proxy = FaultProxy(rgw["RGW_ENDPOINT"], fault="stall", every=0, stall_seconds=60).start()
    cache = tmp_path / "cache"
    try:
        mnt, proc = mounter("--cache-dir", str(cache), uri=f"s3://{BUCKET}/{prefix}",
                            env_extra={"AWS_ENDPOINT_URL": proxy.url})
        with open(mnt / "big", "rb") as f:
            assert f.read(1 << 20) == body[:1 << 20]  # some blocks reach the cache
        proxy.change("stall", 1, kinds={"get"})  # later GETs hang at the proxy
        results = []
        reader = threading.Thread(target=reader_outcome, args=(mnt / "big", results))
        reader.start()
        time.sleep(1.0)  # the reader is inside the mount now
        proc.kill()
        proc.wait(timeout=10)
        reader.join(timeout=10)
        assert not reader.is_alive(), "the reader hung after kill -9"
        assert results and results[0][0] == "error", results
        assert results[0][1] in (errno.ENOTCONN, errno.EIO, errno.ECONNABORTED), results
        assert subprocess_ok(["fusermount3", "-u", str(mnt)])
        assert not is_mounted(mnt)
    finally:
        proxy.stop()
    # A new mount over the same cache, straight to RGW: exact bytes.
    mnt2, _ = mounter("--cache-dir", str(cache), uri=f"s3://{BUCKET}/{prefix}")
    assert (mnt2 / "big").read_bytes() == body
    stats = subprocess.run([os.environ["OBJECTFS_BIN"], "--stats", "--cache-dir", str(cache),
                            "cat", f"s3://{BUCKET}/{prefix}big"], capture_output=True,
                           env={**os.environ, "AWS_ACCESS_KEY_ID": rgw["RGW_ACCESS_KEY"],
                                "AWS_SECRET_ACCESS_KEY": rgw["RGW_SECRET_KEY"],
                                "AWS_ENDPOINT_URL": rgw["RGW_ENDPOINT"],
                                "AWS_REGION": "us-east-1"}, timeout=60)
    assert stats.returncode == 0 and stats.stdout == body, stats.stderr
    assert b"disk_corrupt_blocks=0" in stats.stderr, stats.stderr


def subprocess_ok(argv):
    return subprocess.run(argv, capture_output=True, timeout=30).returncode == 0


def test_kill_9_during_a_write(mounter, rgw):  # noqa: F811
    """A writer gets an error when the daemon dies mid-file; nothing appears
    under the key (the upload was never committed); the next mount works."""
    s3 = boto3.client("s3", endpoint_url=rgw["RGW_ENDPOINT"],
                      aws_access_key_id=rgw["RGW_ACCESS_KEY"],
                      aws_secret_access_key=rgw["RGW_SECRET_KEY"], region_name="us-east-1")
    prefix = f"mount-kill-write-{uuid.uuid4().hex[:8]}/"
    s3.put_object(Bucket=BUCKET, Key=prefix + "keep", Body=b"kept")
    mnt, proc = mounter("--read-write", uri=f"s3://{BUCKET}/{prefix}")
    errors = []

    def write():
        chunk = os.urandom(1 << 20)
        try:
            with open(mnt / "partial.bin", "wb") as f:
                for _ in range(4096):  # far more than is written before the kill
                    f.write(chunk)
        except OSError as e:
            errors.append(e.errno)

    writer = threading.Thread(target=write)
    writer.start()
    time.sleep(1.5)
    proc.kill()
    proc.wait(timeout=10)
    writer.join(timeout=15)
    assert not writer.is_alive(), "the writer hung after kill -9"
    assert errors and errors[0] in (errno.ENOTCONN, errno.EIO, errno.ECONNABORTED), errors
    assert subprocess_ok(["fusermount3", "-u", str(mnt)])
    with pytest.raises(s3.exceptions.ClientError):
        s3.head_object(Bucket=BUCKET, Key=prefix + "partial.bin")
    mnt2, _ = mounter("--read-write", uri=f"s3://{BUCKET}/{prefix}")
    assert (mnt2 / "keep").read_bytes() == b"kept"
    (mnt2 / "after.txt").write_bytes(b"the next mount writes\n")
    assert s3.get_object(Bucket=BUCKET, Key=prefix + "after.txt")["Body"].read() == \
        b"the next mount writes\n"


def test_64_readers_within_the_memory_budget(mounter, rgw):  # noqa: F811
    """64 concurrent readers through one mount with a 256 MiB budget: every
    byte exact, and the daemon's peak RSS bounded by the budget plus a fixed
    overhead (asserted from /proc/PID/status VmHWM)."""
    s3 = boto3.client("s3", endpoint_url=rgw["RGW_ENDPOINT"],
                      aws_access_key_id=rgw["RGW_ACCESS_KEY"],
                      aws_secret_access_key=rgw["RGW_SECRET_KEY"], region_name="us-east-1")
    prefix = f"mount-load-{uuid.uuid4().hex[:8]}/"
    files = {f"f{i}": os.urandom(24 << 20) for i in range(8)}
    for name, body in files.items():
        s3.put_object(Bucket=BUCKET, Key=prefix + name, Body=body)
    mnt, proc = mounter("--memory-limit", "256M", uri=f"s3://{BUCKET}/{prefix}")
    errors = []

    def reader(i):
        name = f"f{i % 8}"
        try:
            if i % 2 == 0:
                got = read_seq(mnt / name)
            else:
                got = pread_all(mnt / name, len(files[name]), i)
            if got != files[name]:
                errors.append(f"reader {i}: wrong bytes in {name}")
        except OSError as e:
            errors.append(f"reader {i}: {e}")

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(64)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a reader hung"
    assert errors == []
    with open(f"/proc/{proc.pid}/status", encoding="utf-8") as f:
        hwm_kib = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    sanitized = os.environ.get("OBJECTFS_SANITIZED") == "1"
    limit_mib = 256 + (600 if sanitized else 160)  # budget + threads, curl, FUSE buffers
    for name in files:
        s3.delete_object(Bucket=BUCKET, Key=prefix + name)
    assert hwm_kib < limit_mib << 10, f"peak RSS {hwm_kib >> 10} MiB over {limit_mib} MiB"


@pytest.mark.parametrize("fault", FAULTS)
def test_mount_writes_through_faults(mounter, rgw, fault):  # noqa: F811
    """A file written through the mount (6 MiB: a multipart upload) with every
    3rd request misbehaving arrives exact; with every request misbehaving the
    write or its close fails with EIO, and no object appears."""
    s3 = boto3.client("s3", endpoint_url=rgw["RGW_ENDPOINT"],
                      aws_access_key_id=rgw["RGW_ACCESS_KEY"],
                      aws_secret_access_key=rgw["RGW_SECRET_KEY"], region_name="us-east-1")
    prefix = f"mount-write-faults-{uuid.uuid4().hex[:8]}/"
    s3.put_object(Bucket=BUCKET, Key=prefix + "keep", Body=b"k")
    proxy = FaultProxy(rgw["RGW_ENDPOINT"], fault="500", every=0, stall_seconds=fm.STALL_S,
                       refuse_seconds=fm.REFUSE_S).start()
    try:
        mnt, _ = mounter("--read-write", *OPTIONS, "--part-size", "5M",
                         uri=f"s3://{BUCKET}/{prefix}", env_extra={"AWS_ENDPOINT_URL": proxy.url})
        assert os.listdir(mnt) == ["keep"]
        data = os.urandom(6 << 20)
        proxy.change(fault, fm.EVERY_THIRD)
        with open(mnt / "ok.bin", "wb") as f:
            f.write(data)
        assert proxy.injected(), "the proxy injected nothing"
        assert s3.get_object(Bucket=BUCKET, Key=prefix + "ok.bin")["Body"].read() == data
        proxy.change(fault, fm.EVERY)
        start = time.monotonic()
        with pytest.raises(OSError) as raised:
            with open(mnt / "failed.bin", "wb") as f:
                f.write(data)
        assert raised.value.errno == errno.EIO, raised.value
        assert time.monotonic() - start < 2 * fm.request_bound_s(ATTEMPTS) + 4
        with pytest.raises(s3.exceptions.ClientError):
            s3.head_object(Bucket=BUCKET, Key=prefix + "failed.bin")
    finally:
        proxy.stop()
