"""Shared fixtures for the CLI integration tests: the RGW that ctest started
(tests/servers/rgw_fixture.sh) and a helper to run build/objectfs."""

import json
import os
import subprocess

import pytest

BUCKET = "objectfs-test"


def _load_env(path):
    values = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if "=" in line and not line.startswith("#"):
                name, value = line.split("=", 1)
                values[name] = value.strip("'\"")
    return values


@pytest.fixture(scope="session")
def rgw():
    path = os.environ.get("OBJECTFS_TEST_ENV")
    if not path:
        pytest.fail("OBJECTFS_TEST_ENV is not set: run these tests through ctest")
    env = _load_env(path)
    with open(os.path.join(env["RGW_FIXTURES"], "manifest.json"), encoding="utf-8") as f:
        env["manifest"] = json.load(f)
    return env


@pytest.fixture
def aws_env(rgw, tmp_path):
    """Credentials in the environment (the usual AWS way), isolated from the
    machine's ~/.aws files and instance metadata."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "AWS_ACCESS_KEY_ID": rgw["RGW_ACCESS_KEY"],
        "AWS_SECRET_ACCESS_KEY": rgw["RGW_SECRET_KEY"],
        "AWS_ENDPOINT_URL": rgw["RGW_ENDPOINT"],
        "AWS_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
    }


@pytest.fixture
def objectfs(aws_env):
    """Runs the CLI with aws_env."""

    def run(*args, env_extra=None, env_remove=(), timeout=120, check_rc=None):
        env = dict(aws_env)
        for name in env_remove:
            env.pop(name, None)
        env.update(env_extra or {})
        result = subprocess.run([os.environ["OBJECTFS_BIN"], *args], env=env, capture_output=True,
                                timeout=timeout)
        if check_rc is not None:
            assert result.returncode == check_rc, result.stderr.decode(errors="replace")
        return result

    return run


def s3uri(key=""):
    return f"s3://{BUCKET}/{key}"
