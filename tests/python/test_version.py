"""objectfs.__version__ is the CMake project version (ctest passes it as
OBJECTFS_VERSION), and the package metadata has no version of its own."""

import os
import re
import tomllib

import objectfs

HERE = os.path.dirname(os.path.abspath(__file__))


def test_version_is_the_project_version():
    version = os.environ["OBJECTFS_VERSION"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), version
    assert objectfs.__version__ == version
    assert "__version__" in objectfs.__all__


def test_pyproject_takes_the_version_from_cmake():
    with open(os.path.join(HERE, "..", "..", "bindings", "python", "pyproject.toml"), "rb") as f:
        project = tomllib.load(f)["project"]
    assert "version" not in project
    assert "version" in project["dynamic"]
