"""`objectfs --version` prints the CMake project version (ctest passes it as
OBJECTFS_VERSION, from project(objectfs VERSION ...))."""

import os
import re
import subprocess


def run(*args):
    return subprocess.run([os.environ["OBJECTFS_BIN"], *args], capture_output=True, text=True,
                          timeout=30, env={"PATH": "/usr/bin:/bin"})


def test_version_prints_the_project_version():
    version = os.environ["OBJECTFS_VERSION"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), version
    result = run("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"objectfs {version}\n"


def test_version_is_in_the_help_and_needs_no_verb():
    help_text = run("--help")
    assert help_text.returncode == 0
    assert "--version" in help_text.stdout
    # Without --version, a missing verb is still an error.
    assert run().returncode != 0
