"""The disk cache when its disk misbehaves, and what it lets other users and
hostile keys do: a full file system under the cache (reads keep working from
the network, failures counted, nothing corrupt), a read-only one and one
another user owns (a clear error at start), files 0600 in 0700 directories,
keys that cannot escape the cache directory."""

import os
import stat
import subprocess
import uuid

import boto3
import pytest

from conftest import BUCKET, s3uri

MIB = 1 << 20


@pytest.fixture(scope="module")
def s3(rgw):
    return boto3.client("s3", endpoint_url=rgw["RGW_ENDPOINT"],
                        aws_access_key_id=rgw["RGW_ACCESS_KEY"],
                        aws_secret_access_key=rgw["RGW_SECRET_KEY"], region_name="us-east-1")


@pytest.fixture(scope="module")
def big(s3):
    data = os.urandom(20 * MIB)
    key = f"cache-rel/big-{uuid.uuid4().hex[:8]}"
    s3.put_object(Bucket=BUCKET, Key=key, Body=data)
    return key, data


def stats_of(stderr):
    line = [x for x in stderr.decode().splitlines() if x.startswith("stats:")][-1]
    return dict(part.split("=", 1) for part in line.split()[1:] if "=" in part)


@pytest.fixture
def tmpfs(tmp_path):
    """A small file system of its own (root only: mount)."""
    if os.geteuid() != 0:
        pytest.fail("these tests need root (mount -t tmpfs), as CI runs them")
    mounted = []

    def make(size, readonly=False):
        point = tmp_path / f"fs{len(mounted)}"
        point.mkdir()
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(point)],
                       check=True)
        mounted.append(point)
        if readonly:
            subprocess.run(["mount", "-o", "remount,ro", str(point)], check=True)
        return point

    yield make
    for point in mounted:
        subprocess.run(["umount", "-l", str(point)], check=False)


def test_a_full_cache_disk_keeps_reads_working(objectfs, big, tmpfs):
    key, data = big
    fs = tmpfs("10m")
    # Someone else's file fills most of it: no 8 MiB block fits, and eviction
    # of the cache's own blocks cannot make room.
    (fs / "filler").write_bytes(bytes(7 << 20))
    failures = 0
    for _ in range(2):
        result = objectfs("--stats", "--cache-dir", str(fs / "c"), "cat", s3uri(key))
        assert result.returncode == 0, result.stderr
        assert result.stdout == data  # from the network where the disk could not hold it
        stats = stats_of(result.stderr)
        failures += int(stats["disk_write_failures"])
        assert int(stats["disk_corrupt_blocks"]) == 0
    assert failures >= 1, "the full disk was never noticed"
    # What the full disk kept is intact: read back through the cache alone.
    again = objectfs("--stats", "--cache-dir", str(fs / "c"), "cat", s3uri(key))
    assert again.stdout == data
    assert int(stats_of(again.stderr)["disk_corrupt_blocks"]) == 0


def test_a_read_only_cache_disk_is_a_clear_error_at_start(objectfs, big, tmpfs):
    fs = tmpfs("1m", readonly=True)
    result = objectfs("--cache-dir", str(fs / "c"), "cat", s3uri(big[0]))
    assert result.returncode == 1
    err = result.stderr.decode()
    assert "Read-only file system" in err and str(fs / "c") in err, err
    assert len(err.strip().splitlines()) == 1
    assert result.stdout == b""


def test_a_cache_another_user_owns_is_refused(objectfs, big, tmp_path):
    cache = tmp_path / "cache"
    objectfs("--cache-dir", str(cache), "cat", s3uri(big[0]), check_rc=0)
    os.chown(cache / "v1", 65534, 65534)
    result = objectfs("--cache-dir", str(cache), "cat", s3uri(big[0]))
    assert result.returncode == 1
    assert b"belongs to uid 65534" in result.stderr, result.stderr


def test_cache_files_are_private_and_keys_cannot_escape(objectfs, s3, tmp_path):
    data = b"escape attempt\n" * 100
    keys = ["cache-rel/../../../../etc/objectfs-escape", "/cache-rel/abs/etc/passwd",
            "cache-rel/..", "cache-rel/./x/../../y"]
    for key in keys:
        s3.put_object(Bucket=BUCKET, Key=key, Body=data)
    cache = tmp_path / "cache"
    for key in keys:
        result = objectfs("--cache-dir", str(cache), "cat", f"s3://{BUCKET}/{key}")
        assert result.returncode == 0, (key, result.stderr)
        assert result.stdout == data
    assert not os.path.exists("/etc/objectfs-escape")
    for root, dirs, files in os.walk(cache):
        for d in dirs:
            assert stat.S_IMODE(os.stat(os.path.join(root, d)).st_mode) == 0o700, d
        for f in files:
            path = os.path.join(root, f)
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path
            assert os.path.realpath(path).startswith(str(cache.resolve()) + os.sep)
            assert ".." not in f and f.endswith((".blk", "lock")), f
