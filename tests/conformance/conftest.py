"""Runs every conformance test against every backend in backends/*.py.

A backend's server starts once per session (pytest groups the tests by backend)
and is stopped in the fixture's teardown, even when tests fail. A backend that
fails to start makes its tests ERROR; tests a backend lacks the capability for
are not generated for it (nothing is skipped)."""

import concurrent.futures
import hashlib
import importlib.util
import os
import pathlib
import subprocess
import urllib.parse

import pytest

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent.parent
MANY = 1100


def det_bytes(size, seed):
    return hashlib.shake_128(seed.encode()).digest(size)


def long_key():
    # Four 200-byte path segments: within every store's key limit and NAME_MAX.
    return "long/" + "/".join([c * 200 for c in "kLmN"]) + "/end.txt"


def dataset(capabilities):
    data = {
        "hello.txt": b"hello objectfs\n",
        "empty": b"",
        "dir/a.bin": det_bytes(256 * 1024 + 3, "dir/a.bin"),
        "dir/c.txt": b"c in dir\n",
        "dir/sub/b.bin": det_bytes(3 * (1 << 20) + 17, "dir/sub/b.bin"),
        "space name.txt": b"a key with a space\n",
        "plus+sign.txt": b"a key with a plus sign\n",
        "percent%20.txt": b"a key with a literal %20\n",
        "unicod\u00e9/\u043a\u043b\u044e\u0447/\u6587\u4ef6.txt": "unicode \u00fc \u043a\u043b\u044e\u0447\n".encode(),
        long_key(): b"a long key\n",
    }
    if "dotdot_keys" in capabilities:
        data["dots/../up.txt"] = b"a key with a literal .. segment\n"
    if "list" in capabilities:
        for i in range(MANY):
            data[f"many/k{i:04d}"] = f"many object {i}\n".encode()
    return data


def _load_backends():
    modules = {}
    for path in sorted((HERE / "backends").glob("*.py")):
        if path.name.startswith("_"):
            continue
        spec = importlib.util.spec_from_file_location(f"conformance_backend_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        modules[module.NAME] = module
    wanted = os.environ.get("OBJECTFS_CONFORMANCE_BACKENDS")
    if wanted:
        names = [n.strip() for n in wanted.split(",") if n.strip()]
        unknown = [n for n in names if n not in modules]
        if unknown:
            raise pytest.UsageError(f"unknown conformance backends {unknown}; have {sorted(modules)}")
        modules = {n: modules[n] for n in names}
    return modules


BACKENDS = _load_backends()


def pytest_configure(config):
    config.addinivalue_line("markers", "requires(*caps): run only on backends with these capabilities")
    config.addinivalue_line("markers", "lacks(cap): run only on backends without this capability")


def pytest_generate_tests(metafunc):
    if "backend" not in metafunc.fixturenames:
        return
    names = []
    for name, module in BACKENDS.items():
        caps = set(module.CAPABILITIES)
        required = {c for m in metafunc.definition.iter_markers("requires") for c in m.args}
        lacking = {c for m in metafunc.definition.iter_markers("lacks") for c in m.args}
        if required <= caps and not (lacking & caps):
            names.append(name)
    metafunc.parametrize("backend", names, ids=names, indirect=True, scope="session")


def pytest_collection_modifyitems(config, items):
    # A test no selected backend has the capabilities for is deselected, not skipped.
    # (pytest stands in a placeholder for an empty parameter list.)
    unrunnable = [item for item in items if "backend" in getattr(item, "fixturenames", ())
                  and getattr(getattr(item, "callspec", None), "params", {}).get("backend")
                  not in BACKENDS]
    if unrunnable:
        config.hook.pytest_deselected(items=unrunnable)
        items[:] = [item for item in items if item not in unrunnable]


class Store:
    """A started backend with its dataset, and helpers to run the CLI on it."""

    def __init__(self, module, server, data, home):
        self.name = module.NAME
        self.capabilities = set(module.CAPABILITIES)
        self.server = server
        self.data = data
        self.home = home

    def uri(self, key):
        if hasattr(self.server, "uri"):
            return self.server.uri(key)
        return self.server.root_uri + "/" + key

    def key_base(self):
        """What `ls` prints in front of keys under the root: the root's own key."""
        parsed = urllib.parse.urlsplit(self.server.root_uri)
        if parsed.scheme == "file":
            return parsed.path.rstrip("/") + "/"
        rest = parsed.path.lstrip("/")
        return rest + "/" if rest else ""

    def run(self, *args, env=None, timeout=120):
        full_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(self.home),
                    "AWS_EC2_METADATA_DISABLED": "true"}
        full_env.update(self.server.env)
        full_env.update(env or {})
        binary = os.environ.get("OBJECTFS_BIN", str(REPO / "build" / "objectfs"))
        return subprocess.run([binary, *args], env=full_env, capture_output=True, timeout=timeout)

    def ok(self, *args, **kwargs):
        result = self.run(*args, **kwargs)
        assert result.returncode == 0, (
            f"{self.name}: objectfs {' '.join(args)} failed: {result.stderr.decode(errors='replace')}")
        return result

    def ls(self, key_prefix, *flags):
        out = self.ok("ls", *flags, self.uri(key_prefix)).stdout.decode()
        base = self.key_base()
        lines = out.splitlines()
        for line in lines:
            assert line.startswith(base), f"{self.name}: ls line {line!r} lacks the root {base!r}"
        return [line[len(base):] for line in lines]


@pytest.fixture(scope="session")
def backend(request, tmp_path_factory):
    module = BACKENDS[request.param]
    workdir = tmp_path_factory.mktemp(f"backend-{module.NAME}")
    server = module.start(workdir)
    try:
        data = dataset(module.CAPABILITIES)
        # put() runs on PUT_THREADS threads when the module says it is thread-safe.
        with concurrent.futures.ThreadPoolExecutor(getattr(module, "PUT_THREADS", 1)) as pool:
            list(pool.map(lambda item: server.put(*item), data.items()))
        home = workdir / "home"
        home.mkdir()
        yield Store(module, server, data, home)
    finally:
        server.stop()
