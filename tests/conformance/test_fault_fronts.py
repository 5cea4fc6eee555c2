"""The fault matrix's other fronts on every networked store but S3: `cp`
download and upload, `warm`, Python `read` / `load_file` / writer, and the
mount's sequential and random reads and its writes, through the fault proxy
(tests/servers/fault_proxy.py), every fault at both rates. On S3 the same
cells run against RGW (tests/integration/test_fault_matrix.py,
test_mount_faults.py, tests/python/test_fault_matrix.py), so ctest runs this
module on its own (conformance_fault_fronts) for azure, gcs and http.

Every 3rd request misbehaving: exact bytes through retries (and the proxy
injected something). Every request misbehaving: exit 1 / EIO / an OSError
subclass, one line naming the URI and the cause, within the bound of
tests/servers/fault_matrix.py, and nothing left behind (no file where `cp`
wrote, no object where an upload went). Writes only where the store takes
them ("write"); the mount where it can list ("mount")."""

import errno
import hashlib
import json
import os
import struct
import subprocess
import sys
import time

import pytest

from conftest import REPO, det_bytes
from test_faults import KEY, run, through  # noqa: F401  (through: the fixture)

sys.path.insert(0, str(REPO / "tests" / "servers"))
import fault_matrix as fm  # noqa: E402
from fault_proxy import FAULTS  # noqa: E402

RATES = sorted(fm.RATES.items())
UPLOAD_SIZE = 300 << 10  # under every store's single-request limit: one PUT (GCS: one media upload)
MODEL_KEY = "faults/model.safetensors"
MOUNT_SIZE = 300 << 10


def safetensors_bytes(data):
    header = json.dumps({"w": {"dtype": "U8", "shape": [len(data)],
                               "data_offsets": [0, len(data)]}}).encode()
    header += b" " * (-len(header) % 8)
    return struct.pack("<Q", len(header)) + header + data


@pytest.fixture(scope="module")
def model(backend):
    data = det_bytes(200 << 10, "faults/model")
    backend.server.put(MODEL_KEY, safetensors_bytes(data))
    return data


def key_uri(uri, key):
    """The URI of `key` on the same route as `uri` (the URI of KEY)."""
    return uri.replace(KEY, key)


check = fm.check_cli_outcome


@pytest.mark.requires("network")
@pytest.mark.parametrize("rate,every", RATES)
@pytest.mark.parametrize("fault", FAULTS)
def test_cli_fronts_through_faults(backend, through, tmp_path, fault, rate, every):  # noqa: F811
    proxy, env, uri = through(fault, every)
    # cp download: exact bytes, or nothing where it wrote.
    dest = tmp_path / "out"
    dest.mkdir()
    result, elapsed = run(backend, env, every, "cp", uri, str(dest / "a.bin"))
    if check(result, elapsed, proxy, every, uri, fault):
        assert (dest / "a.bin").read_bytes() == backend.data[KEY]
    assert os.listdir(dest) == (["a.bin"] if every == fm.EVERY_THIRD else [])

    # warm: every 3rd, the disk cache then serves the bytes with every GET failing.
    cache = tmp_path / "cache"
    result, elapsed = run(backend, env, every, "--cache-dir", str(cache), "warm", "--no-progress",
                          uri)
    if check(result, elapsed, proxy, every, uri, fault):
        proxy.change("500", 1, kinds={"get"})
        injected = len(proxy.injected())
        again, _ = run(backend, env, fm.EVERY, "--cache-dir", str(cache), "cat", uri)
        assert again.returncode == 0, again.stderr
        assert again.stdout == backend.data[KEY]
        assert len(proxy.injected()) == injected, "the warmed bytes were fetched again"
        proxy.change(fault, every)

    # cp upload: the whole object, or none.
    if "write" not in backend.capabilities:
        return
    data = os.urandom(UPLOAD_SIZE)
    src = tmp_path / "src.bin"
    src.write_bytes(data)
    key = f"faults/upload-{fault}-{rate}.bin"
    target = key_uri(uri, key)
    result, elapsed = run(backend, env, every, "cp", str(src), target)
    stored = backend.run("cat", backend.uri(key))  # straight to the server
    if check(result, elapsed, proxy, every, target, fault):
        assert stored.returncode == 0 and stored.stdout == data, stored.stderr
    else:
        assert stored.returncode == 1 and b"not found" in stored.stderr.lower(), stored.stderr


CHILD = r"""
import hashlib, json, sys, time
import objectfs
from objectfs import safetensors
args = json.loads(sys.argv[1])
client = objectfs.Client(**args["options"])
for front, uri in args["fronts"]:
    start = time.monotonic()
    try:
        if front == "read":
            with objectfs.open(uri, client=client) as f:
                data = f.read()
        elif front == "load_file":
            data = safetensors.load_file(uri, framework="np", client=client)["w"].tobytes()
        else:
            data = open(args["upload"], "rb").read()
            with objectfs.open(uri, "wb", client=client) as f:
                f.write(data)
        outcome = {"ok": hashlib.sha256(data).hexdigest()}
    except OSError as e:
        outcome = {"oserror": type(e).__name__ + ": " + str(e)}
    except BaseException as e:
        outcome = {"other": type(e).__name__ + ": " + str(e)}
    outcome["seconds"] = time.monotonic() - start
    print(json.dumps([front, outcome]), flush=True)
"""


@pytest.mark.requires("network")
@pytest.mark.parametrize("rate,every", RATES)
@pytest.mark.parametrize("fault", FAULTS)
def test_python_fronts_through_faults(backend, through, model, tmp_path, fault, rate,  # noqa: F811
                                      every):
    proxy, env, uri = through(fault, every)
    upload = os.urandom(UPLOAD_SIZE)
    source = tmp_path / "upload.bin"
    source.write_bytes(upload)
    fronts = [("read", uri), ("load_file", key_uri(uri, MODEL_KEY))]
    if "write" in backend.capabilities:
        fronts.append(("writer", key_uri(uri, f"faults/py-{fault}-{rate}.bin")))
    expected = {"read": backend.data[KEY], "load_file": model, "writer": upload}
    args = {"options": {**fm.python_options(every), "part_size": "64K"},
            "fronts": fronts, "upload": str(source)}
    child_env = {**os.environ, **env, "HOME": str(backend.home)}
    result = subprocess.run([sys.executable, "-c", CHILD, json.dumps(args)], capture_output=True,
                            timeout=300, env=child_env)
    err = result.stderr.decode(errors="replace")
    assert result.returncode == 0, err
    outcomes = dict(json.loads(line) for line in result.stdout.decode().splitlines())
    assert sorted(outcomes) == sorted(front for front, _ in fronts), (outcomes, err)
    for front, front_uri in fronts:
        outcome = outcomes[front]
        if every == fm.EVERY_THIRD:
            assert "ok" in outcome, (front, outcome)
            assert outcome["ok"] == hashlib.sha256(expected[front]).hexdigest()
        else:
            assert "oserror" in outcome, (front, outcome)
            assert outcome["seconds"] < fm.BOUND_S, (front, outcome)
            fm.check_failure_line(outcome["oserror"], front_uri.split("?")[0], fault)
    if every == fm.EVERY_THIRD:
        assert proxy.injected(), "the proxy injected nothing"
    if "write" in backend.capabilities:
        written = backend.run("cat", backend.uri(f"faults/py-{fault}-{rate}.bin"))
        if every == fm.EVERY_THIRD:
            assert written.stdout == upload, written.stderr
        else:
            assert written.returncode == 1, "a failed writer left an object"


@pytest.mark.requires("network", "mount")
@pytest.mark.parametrize("fault", FAULTS)
def test_mount_through_faults(backend, through, tmp_path, fault):  # noqa: F811
    """One mount per fault through one proxy: every 3rd request misbehaving, a
    sequential read, random preads and (where the store takes writes) a
    written file are exact; every request misbehaving, reads of two more
    files and a write fail with EIO within the bound."""
    prefix = f"mount-faults/{fault}/"
    files = {name: os.urandom(MOUNT_SIZE) for name in ("seq3", "pread3", "seq1", "pread1")}
    for name, body in files.items():
        backend.server.put(prefix + name, body)
    proxy, env, uri = through("500", 0)  # forwards everything until the faults start
    writes = "write" in backend.capabilities
    with fm.Mount(backend, key_uri(uri, prefix), env, tmp_path,
                  *fm.mount_options(), "--part-size", "64K",
                  *(["--read-write"] if writes else [])) as mnt:
        names = sorted(os.listdir(mnt))
        assert names == sorted(files)
        for name in names:
            os.stat(mnt / name)  # metadata cached before the faults start
        proxy.change(fault, fm.EVERY_THIRD)
        assert fm.read_seq(mnt / "seq3") == files["seq3"]
        assert fm.pread_all(mnt / "pread3", MOUNT_SIZE, 3) == files["pread3"]
        written = os.urandom(MOUNT_SIZE)
        if writes:
            (mnt / "ok.bin").write_bytes(written)
        assert proxy.injected(), "the proxy injected nothing"
        proxy.change(fault, fm.EVERY)
        bound = fm.request_bound_s(fm.MOUNT_ATTEMPTS) + 4
        for name, read in (("seq1", fm.read_seq),
                           ("pread1", lambda p: fm.pread_all(p, MOUNT_SIZE, 1))):
            start = time.monotonic()
            with pytest.raises(OSError) as raised:
                read(mnt / name)
            assert raised.value.errno == errno.EIO, raised.value
            assert time.monotonic() - start < bound, name
        if writes:
            start = time.monotonic()
            with pytest.raises(OSError) as raised:
                (mnt / "failed.bin").write_bytes(written)
            assert raised.value.errno == errno.EIO, raised.value
            assert time.monotonic() - start < 2 * bound
    if writes:
        assert backend.run("cat", backend.uri(prefix + "ok.bin")).stdout == written
        assert backend.run("cat", backend.uri(prefix + "failed.bin")).returncode == 1
