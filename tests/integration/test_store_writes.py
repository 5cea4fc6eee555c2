"""GCS and Azure writes (tests/integration/store_writes.cpp: the Client's Writer,
Copy, Delete and the store's conditional calls) against Azurite and the
firebase GCS emulator, each started here and always stopped; every object
written is read back with the tests' own independent clients."""

import os
import pathlib
import re
import subprocess
import sys

import pytest

SERVERS = pathlib.Path(__file__).resolve().parents[1] / "servers"
sys.path.insert(0, str(SERVERS))
import azure_blob  # noqa: E402
from fault_proxy import FaultProxy  # noqa: E402
from gcs_emulator_client import Emulator  # noqa: E402

OBJECTFS = os.environ.get("OBJECTFS_BIN",
                          str(pathlib.Path(__file__).resolve().parents[2] / "build" / "objectfs"))
BINARY = os.environ.get("OBJECTFS_STORE_WRITES",
                        str(pathlib.Path(__file__).resolve().parents[2] / "build" / "tests" /
                            "store_writes"))
CONTAINER = "writes"
BUCKET = "objectfs-writes"


def pattern(size):
    """What store_writes.cpp writes to an object of `size` bytes."""
    return bytes((i * 31 + size) % 251 for i in range(size))


def run_writes(root, part, env):
    full = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/nonexistent", **env}
    result = subprocess.run([BINARY, root, str(part)], env=full, capture_output=True, timeout=300)
    out = result.stdout.decode(errors="replace")
    wrote = {m.group(1): int(m.group(2)) for m in re.finditer(r"^wrote (\S+) (\d+)$", out, re.M)}
    failed = re.findall(r"^FAILED (.*)$", out, re.M)
    return result, out + result.stderr.decode(errors="replace"), wrote, failed


def sizes(part):
    return [0, 1, part - 1, part, part + 1, 3 * part + 12345]


@pytest.fixture(scope="module")
def azurite(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("azurite-writes")
    subprocess.run([str(SERVERS / "azurite.sh"), "start", str(workdir)], check=True)
    try:
        env = azure_blob.load_env(workdir / "env")
        azure_blob.client_from_env(env).create_container(CONTAINER)
        yield env
    finally:
        subprocess.run([str(SERVERS / "azurite.sh"), "stop", str(workdir)], check=False)


@pytest.fixture(scope="module")
def gcs(tmp_path_factory):
    emulator = Emulator(tmp_path_factory.mktemp("gcs-writes"))
    try:
        yield emulator
    finally:
        emulator.stop()


def test_azure_writes_read_back(azurite):
    part = 1 << 20
    env = {"AZURE_STORAGE_CONNECTION_STRING": azurite["AZURE_STORAGE_CONNECTION_STRING"]}
    result, out, wrote, failed = run_writes(f"az://{CONTAINER}/w/", part, env)
    assert result.returncode == 0 and not failed, out
    client = azure_blob.client_from_env(azurite)
    for size in sizes(part):
        assert wrote[f"size-{size}"] == size, out
        assert client.get_blob(CONTAINER, f"w/size-{size}") == pattern(size), size
    assert client.get_blob(CONTAINER, "w/copy") == pattern(part - 1)
    # Server-side conditions, not only the Client's check first.
    for case in ("no-overwrite put", "no-overwrite commit", "server-side copy with if_none_match",
                 "copy from a stale pin", "aborted upload is not visible", "delete of nothing"):
        assert f"ok {case}" in out, out
    assert client.get_blob(CONTAINER, "w/victim") is None
    assert client.get_blob(CONTAINER, "w/aborted") is None
    assert client.get_blob(CONTAINER, "w/copy-stale") is None


@pytest.mark.parametrize("no_clobber", [False, True], ids=["plain", "no-clobber"])
def test_azure_block_list_whose_answer_is_lost_is_a_written_blob(azurite, tmp_path, no_clobber):
    """Every Put Block List reaches Azurite, which commits the blob, but its
    answer (and each retry's) is cut short. The blob's committed blocks are
    this upload's, so cp succeeds (with no-clobber the retries meet a taken
    key); without that check it failed with the blob there."""
    connection = azurite["AZURE_STORAGE_CONNECTION_STRING"]
    endpoint = re.search(r"BlobEndpoint=(http://[^/;]+)", connection)
    proxy = FaultProxy(endpoint.group(1), method="PUT", query_has="comp=blocklist", every=1)
    proxy.fault = "short"  # forwarded, then the answer cut
    proxy.start()
    key = f"lost/commit-{no_clobber}"
    data = os.urandom(3 * (1 << 20) + 777)
    src = tmp_path / "src"
    src.write_bytes(data)
    connection = connection.replace(endpoint.group(1), proxy.url)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/nonexistent",
           "AZURE_STORAGE_CONNECTION_STRING": connection}
    try:
        result = subprocess.run([OBJECTFS, "--part-size", "1M", "--max-attempts", "3", "cp",
                                 *(["--no-clobber"] if no_clobber else []), str(src),
                                 f"az://{CONTAINER}/{key}"],
                                env=env, capture_output=True, timeout=120)
    finally:
        proxy.stop()
    assert any("fault short" in entry[3] for entry in proxy.log), proxy.log
    assert result.returncode == 0, result.stderr
    assert azure_blob.client_from_env(azurite).get_blob(CONTAINER, key) == data


def test_gcs_writes_read_back(gcs):
    part = 8 << 20  # the GCS store's minimum part
    result, out, wrote, failed = run_writes(f"gs://{BUCKET}/w/", part,
                                            {"STORAGE_EMULATOR_HOST": gcs.endpoint})
    # The firebase emulator finalizes a resumable session at its first chunk,
    # so uploads of more than one part cannot work there: the store says so
    # and deletes what the emulator made. Everything else must pass.
    multi = {f"size-{part + 1}", f"size-{3 * part + 12345}"}
    unexpected = [f for f in failed if not any(f"{k}:" in f for k in multi)]
    assert not unexpected, out
    assert len(failed) == 2 and all("cannot take more than one part" in f for f in failed), out
    for size in sizes(part):
        key = f"w/size-{size}"
        if f"size-{size}" in multi:
            assert gcs.get(BUCKET, key) is None, size
        else:
            assert wrote[f"size-{size}"] == size, out
            assert gcs.get(BUCKET, key) == pattern(size), size
    assert gcs.get(BUCKET, "w/copy") == pattern(part - 1)
    for case in ("copy from a stale pin", "aborted upload is not visible", "delete of nothing"):
        assert f"ok {case}" in out, out
    assert gcs.get(BUCKET, "w/victim") is None
    assert gcs.get(BUCKET, "w/aborted") is None
