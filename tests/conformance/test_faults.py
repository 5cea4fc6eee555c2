"""The fault matrix on every networked store (RGW, Azurite, the GCS emulator,
nginx): the fault proxy (tests/servers/fault_proxy.py) stands between the CLI
and the server. `cat` through every fault at both rates (every 3rd request:
exact bytes; every request: exit 1, one line naming the URI and the cause,
within fault_matrix.BOUND_S), and `cp` with every request failing leaves
nothing where it was writing. The full matrix of fronts runs against RGW
(tests/integration/test_fault_matrix.py, tests/python/test_fault_matrix.py)."""

import os
import re
import sys
import time

import pytest

from conftest import REPO

sys.path.insert(0, str(REPO / "tests" / "servers"))
import fault_matrix as fm  # noqa: E402
from fault_proxy import FAULTS, FaultProxy  # noqa: E402

KEY = "dir/a.bin"  # 256 KiB + 3: a HEAD and five 64 KiB GETs


def routed(store, proxy_url_for):
    """(environment, uri) for the store's KEY through a proxy; proxy_url_for
    maps the server's origin to the proxy's URL."""
    env = dict(store.server.env)
    uri = store.uri(KEY)
    if store.name == "s3":
        env["AWS_ENDPOINT_URL"] = proxy_url_for(env["AWS_ENDPOINT_URL"])
    elif store.name == "azure":
        conn = env["AZURE_STORAGE_CONNECTION_STRING"]
        origin = re.search(r"BlobEndpoint=(https?://[^/;]+)", conn).group(1)
        env["AZURE_STORAGE_CONNECTION_STRING"] = conn.replace(origin, proxy_url_for(origin))
    elif store.name == "gcs":
        env["STORAGE_EMULATOR_HOST"] = proxy_url_for(env["STORAGE_EMULATOR_HOST"])
    elif store.name == "http":
        origin = re.match(r"https?://[^/]+", uri).group(0)
        uri = uri.replace(origin, proxy_url_for(origin), 1)
    else:
        raise AssertionError(f"no route through the proxy for {store.name}")
    return env, uri


@pytest.fixture
def through(backend):
    started = []

    def make(fault, every):
        holder = {}

        def proxy_url_for(origin):
            upstream = origin if "://" in origin else "http://" + origin
            holder["proxy"] = FaultProxy(upstream, fault=fault, every=every,
                                         stall_seconds=fm.STALL_S,
                                         refuse_seconds=fm.REFUSE_S).start()
            started.append(holder["proxy"])
            return holder["proxy"].url

        env, uri = routed(backend, proxy_url_for)
        return holder["proxy"], env, uri

    yield make
    for p in started:
        p.stop()


def run(backend, env, every, *args):
    start = time.monotonic()
    result = backend.run(*fm.cli_options(every), "--part-size", "64K", *args, env=env)
    return result, time.monotonic() - start


@pytest.mark.requires("network")
@pytest.mark.parametrize("rate,every", sorted(fm.RATES.items()))
@pytest.mark.parametrize("fault", FAULTS)
def test_cat_through_faults(backend, through, fault, rate, every):
    proxy, env, uri = through(fault, every)
    result, elapsed = run(backend, env, every, "cat", uri)
    err = result.stderr.decode(errors="replace")
    assert result.returncode >= 0, f"signal {-result.returncode}: {err}"
    if every == fm.EVERY_THIRD:
        assert result.returncode == 0, err
        assert proxy.injected(), "the proxy injected nothing"
        assert result.stdout == backend.data[KEY]
    else:
        assert result.returncode == 1, err
        assert elapsed < fm.BOUND_S, (elapsed, err)
        fm.check_failure_line(err, uri.split("?")[0], fault)
        assert result.stdout == b""


@pytest.mark.requires("network")
@pytest.mark.parametrize("fault", FAULTS)
def test_failed_cp_leaves_nothing(backend, through, tmp_path, fault):
    proxy, env, uri = through(fault, fm.EVERY)
    dest = tmp_path / "out"
    dest.mkdir()
    result, elapsed = run(backend, env, fm.EVERY, "cp", uri, str(dest / "a.bin"))
    err = result.stderr.decode(errors="replace")
    assert result.returncode == 1, err
    assert elapsed < fm.BOUND_S, (elapsed, err)
    fm.check_failure_line(err, uri.split("?")[0], fault)
    assert os.listdir(dest) == []


@pytest.mark.requires("network")
@pytest.mark.parametrize("front", ["cat", "cp", "cat-disk-cache"])
def test_an_object_replaced_mid_read_is_never_mixed(backend, through, tmp_path, front):
    """The object is replaced between the open (HEAD) and its second GET, and
    the proxy makes unsigned requests ignore If-Match / generation= (as some
    servers and caches do; signed ones reach servers that honour them): the
    front fails with "changed" or gives the old bytes, never new or mixed ones."""
    key = f"replaced/{front}.bin"
    # Through the disk cache a GET is one 8 MiB block: two blocks, two GETs.
    size = (9 << 20) if front == "cat-disk-cache" else (256 << 10)
    old, new = os.urandom(size), os.urandom(size)
    backend.server.put(key, old)
    proxy, env, uri = through("500", 0)
    uri = uri.replace(KEY, key)
    proxy.ignore_conditions = True
    gets = []

    def replace_at_second_get(method, path):
        if method == "GET" and key.split("/")[-1] in path:
            gets.append(path)
            if len(gets) == 2:
                if backend.name == "http":
                    # nginx's ETag is mtime-size: a same-size file rewritten in
                    # the same second keeps it, and no client can tell (see
                    # docs/RELIABILITY.md). A later mtime, as any real update,
                    # set before the rename: a GET that nginx opens between a
                    # rename and a utime gets new bytes under the old ETag.
                    later = os.stat(backend.server.www / key).st_mtime + 5
                    backend.server.put(key, new, mtime=later)
                else:
                    backend.server.put(key, new)

    proxy.before_forward = replace_at_second_get
    dest = tmp_path / "out.bin"
    args = {"cat": ("cat", uri), "cp": ("cp", uri, str(dest)),
            "cat-disk-cache": ("--cache-dir", str(tmp_path / "cache"), "cat", uri)}[front]
    result, _ = run(backend, env, fm.EVERY_THIRD, *args)
    err = result.stderr.decode(errors="replace")
    assert len(gets) >= 2, "the object was never replaced mid-read"
    got = (dest.read_bytes() if dest.exists() else b"") if front == "cp" else result.stdout
    if result.returncode == 0:
        assert got == old, "exit 0 with bytes that are not the opened version"
    else:
        assert result.returncode == 1, err
        assert "changed" in err, err
        if front == "cp":
            assert not dest.exists()
        else:
            assert old.startswith(got), "cat wrote bytes of another version before failing"
