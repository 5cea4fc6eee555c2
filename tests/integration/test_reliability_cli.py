"""Defects of the reliability probe (issue 16) at the CLI, against RGW: what
cp writes through, output that cannot be written, option values that cannot
work, keys that are not UTF-8. Each test failed before its fix (or holds a
fix that landed earlier)."""

import os
import stat
import subprocess

import boto3
import pytest

from conftest import BUCKET, s3uri

PAYLOAD = b"nineteen bytes here"


@pytest.fixture(scope="module")
def small(rgw):
    boto3.client("s3", endpoint_url=rgw["RGW_ENDPOINT"], aws_access_key_id=rgw["RGW_ACCESS_KEY"],
                 aws_secret_access_key=rgw["RGW_SECRET_KEY"],
                 region_name="us-east-1").put_object(Bucket=BUCKET, Key="rel/small", Body=PAYLOAD)
    return s3uri("rel/small")


@pytest.fixture
def full_device(tmp_path):
    """A /dev/full of our own (mknod: root), so no test ever risks the real one."""
    if os.geteuid() != 0:
        pytest.fail("needs root (mknod), as CI runs it")
    path = tmp_path / "full"
    os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 7))
    return path


def test_cat_into_a_full_device_fails_naming_stdout(aws_env, small, full_device):
    with open(full_device, "wb") as out:
        result = subprocess.run([os.environ["OBJECTFS_BIN"], "cat", small], stdout=out,
                                stderr=subprocess.PIPE, env=aws_env, timeout=60)
    assert result.returncode == 1
    assert b"stdout" in result.stderr and b"No space left on device" in result.stderr
    assert stat.S_ISCHR(os.stat(full_device).st_mode)


def test_cp_never_replaces_what_it_writes_through(objectfs, small, full_device, tmp_path):
    # A device: written in place, its failure reported, the node kept.
    full = objectfs("cp", small, str(full_device))
    assert full.returncode == 1
    assert str(full_device).encode() in full.stderr and b"No space left" in full.stderr
    assert stat.S_ISCHR(os.stat(full_device).st_mode)
    # A dangling symlink: refused, as by cp(1) (it used to become a regular file).
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "missing-target")
    result = objectfs("cp", small, str(dangling))
    assert result.returncode == 1
    assert b"not writing through a dangling symlink" in result.stderr, result.stderr
    assert dangling.is_symlink() and not (tmp_path / "missing-target").exists()
    # A symlink to a file: the target replaced, the link kept.
    target = tmp_path / "target"
    target.write_bytes(b"old")
    link = tmp_path / "link"
    link.symlink_to(target)
    objectfs("cp", small, str(link), check_rc=0)
    assert link.is_symlink() and target.read_bytes() == PAYLOAD


def test_absurd_part_sizes_are_refused(objectfs, aws_env, small, tmp_path):
    src = tmp_path / "src"
    src.write_bytes(PAYLOAD)
    for size, message in (("1T", b"part_size must be between 64K and 5G (got 1T)"),
                          ("2G", b"does not fit twice in memory_limit")):
        for args in (("cp", str(src), s3uri("rel/up")), ("cp", small, str(tmp_path / "d")),
                     ("cat", small)):
            result = objectfs("--part-size", size, *args)
            assert result.returncode == 1, (size, args, result.stderr)  # not signal 6
            assert message in result.stderr, result.stderr
    # Within the limits, a large part size costs no memory for a small object.
    limit_kib = (600 if os.environ.get("OBJECTFS_SANITIZED") == "1" else 200) << 10
    for args in (("cp", small, str(tmp_path / "big-part")), ("cp", str(src), s3uri("rel/up"))):
        timed = subprocess.run(["/usr/bin/time", "-f", "%M", os.environ["OBJECTFS_BIN"],
                                "--part-size", "1G", "--memory-limit", "4G", *args],
                               env=aws_env, capture_output=True, timeout=120)
        assert timed.returncode == 0, timed.stderr
        peak_kib = int(timed.stderr.decode().strip().splitlines()[-1])
        assert peak_kib < limit_kib, (args, peak_kib)
    assert (tmp_path / "big-part").read_bytes() == PAYLOAD


def test_a_key_that_is_not_utf8_is_refused_with_its_bytes_shown(objectfs, tmp_path):
    src = tmp_path / "src"
    src.write_bytes(PAYLOAD)
    bad = os.fsencode(f"s3://{BUCKET}/rel/") + b"a\xff\xfeb"
    for args in ((b"cat", bad), (b"stat", bad), (b"cp", bad, os.fsencode(str(tmp_path / "x"))),
                 (b"cp", os.fsencode(str(src)), bad), (b"rm", bad)):
        result = objectfs(*args)
        assert result.returncode == 1, args
        err = result.stderr.decode("utf-8")  # the message itself is valid UTF-8
        assert "the key is not valid UTF-8" in err and "a\\xFF\\xFEb" in err, err
        assert len(err.strip().splitlines()) == 1


def test_a_relative_local_path_uploads(objectfs, tmp_path, rgw):
    (tmp_path / "rel.txt").write_bytes(PAYLOAD)
    env = {"AWS_ACCESS_KEY_ID": rgw["RGW_ACCESS_KEY"], "AWS_SECRET_ACCESS_KEY": rgw["RGW_SECRET_KEY"],
           "AWS_ENDPOINT_URL": rgw["RGW_ENDPOINT"], "AWS_REGION": "us-east-1",
           "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)}
    result = subprocess.run([os.environ["OBJECTFS_BIN"], "cp", "rel.txt", s3uri("rel/relative")],
                            cwd=tmp_path, env=env, capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr  # was "malformed URI 'file://rel.txt'"
