"""`objectfs mount` over each backend that can list: the tree reads back
byte-identical. The mount always goes away in teardown, even on failure."""

import os
import subprocess
import time

import pytest

pytestmark = pytest.mark.skipif(not os.path.exists("/dev/fuse"), reason="no /dev/fuse")


def is_mounted(path):
    path = os.path.realpath(str(path))
    with open("/proc/mounts", encoding="utf-8") as f:
        return any(line.split()[1] == path for line in f)


@pytest.mark.requires("mount")
def test_mount_reads_the_tree(backend, tmp_path):
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(backend.home),
           "AWS_EC2_METADATA_DISABLED": "true", **backend.server.env}
    binary = os.environ.get("OBJECTFS_BIN", "build/objectfs")
    proc = subprocess.Popen([binary, "mount", backend.uri("dir/"), str(mnt), "--foreground",
                             "--log-file", str(tmp_path / "mount.log")],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while not is_mounted(mnt):
            assert proc.poll() is None, f"mount exited: {proc.stderr.read().decode()}"
            assert time.monotonic() < deadline, "mount not ready after 20 s"
            time.sleep(0.05)
        assert sorted(os.listdir(mnt)) == ["a.bin", "c.txt", "sub"]
        for key in ["dir/a.bin", "dir/c.txt", "dir/sub/b.bin"]:
            assert (mnt / key[len("dir/"):]).read_bytes() == backend.data[key], key
        assert os.path.getsize(mnt / "sub" / "b.bin") == len(backend.data["dir/sub/b.bin"])
    finally:
        for args in (["-u"], ["-uz"]):
            if is_mounted(mnt):
                subprocess.run(["fusermount3", *args, str(mnt)], capture_output=True, timeout=30)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    assert not is_mounted(mnt)
