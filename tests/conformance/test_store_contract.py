"""The C++ store contract (tests/contract) against every backend's real server:
the same function the unit tests run over fakes."""

import os
import pathlib
import subprocess

CONTRACT_KEYS = ["hello.txt", "empty", "dir/a.bin", "dir/c.txt", "dir/sub/b.bin"]


def test_store_contract(backend, tmp_path):
    for key in CONTRACT_KEYS:
        path = tmp_path / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(backend.data[key])
    binary = os.environ.get("OBJECTFS_STORE_CONTRACT",
                            str(pathlib.Path(__file__).resolve().parents[2] / "build" / "tests" /
                                "store_contract"))
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(backend.home),
           "AWS_EC2_METADATA_DISABLED": "true", **backend.server.env}
    root = backend.uri("")
    result = subprocess.run([binary, root, str(tmp_path)], env=env, capture_output=True,
                            timeout=300)
    out = result.stdout.decode(errors="replace") + result.stderr.decode(errors="replace")
    assert result.returncode == 0, f"{backend.name}: {out}"
    assert "store contract kept by" in out
