"""The fault matrix for Python against RGW: every fault of
tests/servers/fault_proxy.py x {read, safetensors.load_file, writer} x two rates.

Each cell runs in a child interpreter (so a hang is a failed test, not a stuck
suite): every 3rd request misbehaving must end with exact bytes; every request
misbehaving must raise an OSError subclass whose one-line message names the
URI and the cause, within fault_matrix.BOUND_S, and leave no object behind.
"""

import json
import os
import struct
import sys
import uuid

import numpy as np
import pytest

from child_call import OK, OS_ERROR, digest, run_call
from conftest import BUCKET, HERE, client_options, s3uri

sys.path.insert(0, os.path.join(HERE, "..", "servers"))
import fault_matrix as fm  # noqa: E402
from fault_proxy import FAULTS, FaultProxy  # noqa: E402

def safetensors_bytes(array):
    header = json.dumps({"w": {"dtype": "F32", "shape": list(array.shape),
                               "data_offsets": [0, array.nbytes]}}).encode()
    header += b" " * (-len(header) % 8)
    return struct.pack("<Q", len(header)) + header + array.tobytes()


@pytest.fixture(scope="module")
def objects(s3):
    tag = uuid.uuid4().hex[:8]
    raw = os.urandom(300 << 10)
    weights = np.frombuffer(os.urandom(256 << 10), dtype=np.float32).copy()
    keys = {"read": f"python/faults-{tag}/raw.bin",
            "load_file": f"python/faults-{tag}/model.safetensors"}
    s3.put_object(Bucket=BUCKET, Key=keys["read"], Body=raw)
    s3.put_object(Bucket=BUCKET, Key=keys["load_file"], Body=safetensors_bytes(weights))
    return {"read": (keys["read"], raw), "load_file": (keys["load_file"], weights.tobytes())}


@pytest.fixture
def proxy(rgw):
    started = []

    def make(fault, every):
        p = FaultProxy(rgw["RGW_ENDPOINT"], fault=fault, every=every,
                       stall_seconds=fm.STALL_S, refuse_seconds=fm.REFUSE_S).start()
        started.append(p)
        return p

    yield make
    for p in started:
        p.stop()


def run_child(rgw, p, every, call, uri, source=None):
    options = client_options(rgw, endpoint_url=p.url, part_size="64K",
                             **fm.python_options(every))
    return run_call(options, call, uri, source, timeout=180)


def check(result, elapsed, p, every, uri, fault, expected):
    err = result.stderr.decode(errors="replace")
    assert result.returncode >= 0, f"killed by signal {-result.returncode}: {err}"
    if every == fm.EVERY_THIRD:
        assert result.returncode == OK, err
        assert p.injected(), "the proxy injected nothing: the cell tested nothing"
        assert result.stdout.decode().strip() == digest(expected)
        return
    assert result.returncode == OS_ERROR, err
    # The interpreter's start and `import objectfs` come on top of the bound.
    assert elapsed < fm.BOUND_S + 3, (elapsed, err)
    fm.check_failure_line(err, uri, fault)


RATES = sorted(fm.RATES.items())


@pytest.mark.parametrize("rate,every", RATES)
@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("front", ["read", "load_file"])
def test_python_reads(rgw, objects, proxy, front, fault, rate, every):
    key, expected = objects[front]
    p = proxy(fault, every)
    result, elapsed = run_child(rgw, p, every, front, s3uri(key))
    check(result, elapsed, p, every, s3uri(key), fault, expected)


@pytest.mark.parametrize("rate,every", RATES)
@pytest.mark.parametrize("fault", FAULTS)
def test_python_writer(rgw, s3, proxy, tmp_path, fault, rate, every):
    data = os.urandom(6 << 20)
    source = tmp_path / "src.bin"
    source.write_bytes(data)
    key = f"python/faults-writer-{fault}-{rate}-{uuid.uuid4().hex[:8]}"
    p = proxy(fault, every)
    result, elapsed = run_child(rgw, p, every, "write", s3uri(key), str(source))
    check(result, elapsed, p, every, s3uri(key), fault, data)
    if every == fm.EVERY_THIRD:
        assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == data
        s3.delete_object(Bucket=BUCKET, Key=key)
    else:
        with pytest.raises(s3.exceptions.ClientError):
            s3.head_object(Bucket=BUCKET, Key=key)
        assert s3.list_multipart_uploads(Bucket=BUCKET, Prefix=key).get("Uploads", []) == []
