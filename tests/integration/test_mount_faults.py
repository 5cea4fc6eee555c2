"""The fault matrix for the mount against RGW: every fault of
tests/servers/fault_proxy.py x {sequential read, random pread} x two rates,
and the mount's settings that protect other users.

One mount per fault, through one proxy: every 3rd request misbehaving, a
sequential read and random preads of their own files give exact bytes; then
every request misbehaving, reads of two more files fail with EIO within
fault_matrix.BOUND_S (no hang, no wrong bytes)."""

import errno
import os
import random
import sys
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
# One setting for both phases (a mount keeps its options): enough tries for
# the every-3rd phase, and the bound of the every-request phase follows it.
ATTEMPTS = 4
OPTIONS = ["--max-attempts", str(ATTEMPTS), "--read-timeout", str(fm.READ_TIMEOUT_S),
           "--connect-timeout", str(fm.CONNECT_TIMEOUT_S), "--retry-initial-backoff", "0.05",
           "--retry-max-backoff", str(fm.MAX_BACKOFF_S)]


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


def pread_all(path, size, seed):
    """Random 4-40 KiB preads covering the file, in a shuffled order."""
    rng = random.Random(seed)
    chunks = []
    offset = 0
    while offset < size:
        n = rng.randint(4 << 10, 40 << 10)
        chunks.append((offset, min(n, size - offset)))
        offset += n
    rng.shuffle(chunks)
    out = bytearray(size)
    fd = os.open(path, os.O_RDONLY)
    try:
        for off, n in chunks:
            got = os.pread(fd, n, off)
            assert len(got) == n
            out[off:off + n] = got
    finally:
        os.close(fd)
    return bytes(out)


def read_seq(path):
    with open(path, "rb") as f:
        return f.read()


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
