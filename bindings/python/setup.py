"""Builds objectfs._objectfs with CMake for pip (see pyproject.toml).

The extension is configured from the repository root with the interpreter that
runs pip, then copied to where setuptools expects it. Set OBJECTFS_BUILD_JOBS
to bound the parallel compile jobs (default: CPU count)."""

import glob
import os
import re
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))


def project_version():
    """The version in project(objectfs VERSION X.Y.Z): the one source of it."""
    with open(os.path.join(ROOT, "CMakeLists.txt"), encoding="utf-8") as f:
        found = re.search(r"project\(objectfs\s+VERSION\s+([0-9.]+)", f.read())
    if not found:
        sys.exit(f"objectfs: no project(objectfs VERSION ...) in {ROOT}/CMakeLists.txt")
    return found.group(1)


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        if not os.path.exists(os.path.join(ROOT, "lib")):
            sys.exit(f"objectfs: the C++ sources were not found at {ROOT}; install from a "
                     "checkout of the repository (pip install bindings/python)")
        build_dir = os.path.abspath(os.path.join(self.build_temp, "cmake"))
        staging = os.path.join(build_dir, "python")
        configure = ["cmake", "-S", ROOT, "-B", build_dir, "-DCMAKE_BUILD_TYPE=Release",
                     "-DOBJECTFS_BUILD_TESTS=OFF", "-DOBJECTFS_BUILD_BENCH=OFF",
                     "-DOBJECTFS_WERROR=OFF", f"-DPython_EXECUTABLE={sys.executable}",
                     f"-DOBJECTFS_PYTHON_DIR={staging}"]
        if shutil.which("ninja"):
            configure += ["-G", "Ninja"]
        jobs = os.environ.get("OBJECTFS_BUILD_JOBS") or str(os.cpu_count() or 2)
        subprocess.check_call(configure)
        subprocess.check_call(["cmake", "--build", build_dir, "--target", "_objectfs",
                               "--parallel", jobs])
        built = glob.glob(os.path.join(staging, "objectfs", "_objectfs*.so"))
        if len(built) != 1:
            sys.exit(f"objectfs: expected one built _objectfs module in {staging}, found {built}")
        target = self.get_ext_fullpath(ext.name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(built[0], target)


setup(version=project_version(),
      ext_modules=[Extension("objectfs._objectfs", sources=[])],
      cmdclass={"build_ext": CMakeBuild})
