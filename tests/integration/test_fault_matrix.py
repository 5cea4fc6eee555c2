"""The fault matrix for the CLI against RGW: every fault of
tests/servers/fault_proxy.py x {cat, cp download, cp upload, warm} x two rates.

Every 3rd request misbehaving: exact bytes through retries (and the proxy
really injected something). Every request misbehaving: exit status 1, one line
naming the URI and the cause, within fault_matrix.BOUND_S, and nothing left
where cp was writing (no file, no partial file, no object, no pending upload).
"""

import hashlib
import os
import sys
import time
import uuid

import boto3
import pytest

from conftest import BUCKET, s3uri

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "servers"))
import fault_matrix as fm  # noqa: E402
from fault_proxy import FAULTS, FaultProxy  # noqa: E402

DOWNLOAD_SIZE = 300 << 10  # five 64 KiB parts and a HEAD
UPLOAD_SIZE = 6 << 20      # CreateMultipartUpload, two parts (5 MiB minimum), Complete


@pytest.fixture(scope="module")
def s3(rgw):
    return boto3.client("s3", endpoint_url=rgw["RGW_ENDPOINT"],
                        aws_access_key_id=rgw["RGW_ACCESS_KEY"],
                        aws_secret_access_key=rgw["RGW_SECRET_KEY"], region_name="us-east-1")


@pytest.fixture(scope="module")
def source(s3):
    data = os.urandom(DOWNLOAD_SIZE)
    key = f"faults/source-{uuid.uuid4().hex[:8]}"
    s3.put_object(Bucket=BUCKET, Key=key, Body=data)
    return key, data


@pytest.fixture(scope="module")
def warm_prefix(s3):
    """Three objects under one prefix: a listing, HEADs and GETs to fail."""
    prefix = f"faults/warm-{uuid.uuid4().hex[:8]}/"
    objects = {f"{prefix}{i}.bin": os.urandom(100 << 10) for i in range(3)}
    for key, data in objects.items():
        s3.put_object(Bucket=BUCKET, Key=key, Body=data)
    return prefix, objects


@pytest.fixture
def proxy(rgw):
    started = []

    def make(fault, every, kinds=None):
        p = FaultProxy(rgw["RGW_ENDPOINT"], fault=fault, every=every, kinds=kinds,
                       stall_seconds=fm.STALL_S, refuse_seconds=fm.REFUSE_S).start()
        started.append(p)
        return p

    yield make
    for p in started:
        p.stop()


def run_through(objectfs, p, every, *args, timeout=120):
    start = time.monotonic()
    result = objectfs(*fm.cli_options(every), *args, env_extra={"AWS_ENDPOINT_URL": p.url},
                      timeout=timeout)
    return result, time.monotonic() - start


check_outcome = fm.check_cli_outcome


RATES = sorted(fm.RATES.items())


@pytest.mark.parametrize("rate,every", RATES)
@pytest.mark.parametrize("fault", FAULTS)
def test_cat(objectfs, proxy, source, fault, rate, every):
    key, data = source
    p = proxy(fault, every)
    result, elapsed = run_through(objectfs, p, every, "--part-size", "64K", "cat", s3uri(key))
    if check_outcome(result, elapsed, p, every, s3uri(key), fault):
        assert hashlib.sha256(result.stdout).digest() == hashlib.sha256(data).digest()


@pytest.mark.parametrize("rate,every", RATES)
@pytest.mark.parametrize("fault", FAULTS)
def test_cp_download(objectfs, proxy, source, tmp_path, fault, rate, every):
    key, data = source
    p = proxy(fault, every)
    dest = tmp_path / "out" / "copy.bin"
    dest.parent.mkdir()
    result, elapsed = run_through(objectfs, p, every, "--part-size", "64K", "cp", s3uri(key),
                                  str(dest))
    if check_outcome(result, elapsed, p, every, s3uri(key), fault):
        assert dest.read_bytes() == data
    else:
        assert os.listdir(dest.parent) == [], "cp left a file behind"


@pytest.mark.parametrize("rate,every", RATES)
@pytest.mark.parametrize("fault", FAULTS)
def test_cp_upload(objectfs, proxy, s3, tmp_path, fault, rate, every):
    data = os.urandom(UPLOAD_SIZE)
    src = tmp_path / "src.bin"
    src.write_bytes(data)
    key = f"faults/upload-{fault}-{rate}-{uuid.uuid4().hex[:8]}"
    p = proxy(fault, every)
    result, elapsed = run_through(objectfs, p, every, "--part-size", "5M", "cp", str(src),
                                  s3uri(key))
    if check_outcome(result, elapsed, p, every, s3uri(key), fault):
        assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == data
        s3.delete_object(Bucket=BUCKET, Key=key)
    else:
        with pytest.raises(s3.exceptions.ClientError):
            s3.head_object(Bucket=BUCKET, Key=key)
        uploads = s3.list_multipart_uploads(Bucket=BUCKET, Prefix=key).get("Uploads", [])
        assert uploads == [], "the failed upload was not aborted"


@pytest.mark.parametrize("rate,every", RATES)
@pytest.mark.parametrize("fault", FAULTS)
def test_warm(objectfs, proxy, warm_prefix, tmp_path, fault, rate, every):
    prefix, objects = warm_prefix
    cache = tmp_path / "cache"
    p = proxy(fault, every)
    result, elapsed = run_through(objectfs, p, every, "--part-size", "64K", "--cache-dir",
                                  str(cache), "warm", "--no-progress", s3uri(prefix))
    if not check_outcome(result, elapsed, p, every, s3uri(prefix), fault):
        return
    # What warm stored serves the bytes with every object GET failing (the
    # same endpoint: disk cache entries belong to one).
    p.change("500", 1, kinds={"get"})
    injected = len(p.injected())
    for key, data in objects.items():
        again, _ = run_through(objectfs, p, fm.EVERY, "--part-size", "64K",
                               "--cache-dir", str(cache), "cat", s3uri(key))
        assert again.returncode == 0, again.stderr
        assert again.stdout == data
    assert len(p.injected()) == injected, "the cached bytes were fetched again"
