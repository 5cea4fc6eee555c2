"""`objectfs mount` against a real Ceph RGW: a bucket as a read-only file system.
Every test unmounts in its teardown, even on failure (fusermount3 -u, then -uz,
then kill)."""

import datetime
import errno
import hashlib
import os
import random
import re
import signal
import stat
import subprocess
import threading
import time

import pytest

from conftest import BUCKET, s3uri

pytestmark = pytest.mark.skipif(not os.path.exists("/dev/fuse"), reason="no /dev/fuse")


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def valid_path(key):
    parts = key.split("/")
    return all(p not in ("", ".", "..") and len(p.encode()) <= 255 for p in parts)


def present(manifest):
    """Uploaded objects with a valid path, without most of the 1100 many/ keys."""
    return {k: v for k, v in manifest.items()
            if not v.get("skipped") and valid_path(k)
            and not (k.startswith("many/") and not k.endswith("00"))}


def is_mounted(path):
    path = os.path.realpath(str(path))
    with open("/proc/mounts", encoding="utf-8") as f:
        return any(line.split()[1] == path for line in f)


def unmount(path):
    path = str(path)
    if not is_mounted(path):
        return
    subprocess.run(["fusermount3", "-u", path], capture_output=True, timeout=30)
    if is_mounted(path):
        subprocess.run(["fusermount3", "-uz", path], capture_output=True, timeout=30)


@pytest.fixture
def mounter(aws_env, tmp_path):
    """mount(*args, uri=...) runs `objectfs mount --foreground` in the background
    and returns (mountpoint, process) once the mount answers."""
    mounts = []

    def mount(*args, uri=s3uri(), env_extra=None):
        mnt = tmp_path / f"mnt{len(mounts)}"
        mnt.mkdir()
        log = tmp_path / f"mount{len(mounts)}.log"
        env = dict(aws_env, **(env_extra or {}))
        proc = subprocess.Popen([os.environ["OBJECTFS_BIN"], "mount", uri, str(mnt), "--foreground",
                                 "--log-file", str(log), *args],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        mounts.append((mnt, proc))
        deadline = time.monotonic() + 20
        while not (is_mounted(mnt) and os.path.ismount(mnt)):
            if proc.poll() is not None:
                pytest.fail(f"mount exited with {proc.returncode}: {proc.stderr.read().decode()}")
            if time.monotonic() > deadline:
                pytest.fail("mount not ready after 20 s")
            time.sleep(0.05)
        return mnt, proc

    yield mount
    for mnt, proc in mounts:
        unmount(mnt)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        unmount(mnt)
        assert not is_mounted(mnt)


def cli_keys(objectfs, prefix=""):
    out = objectfs("ls", "-r", s3uri(prefix), check_rc=0).stdout.decode().splitlines()
    return [k for k in out if k]


def test_every_file_reads_byte_identical(mounter, rgw):
    mnt, _ = mounter()
    for key, entry in present(rgw["manifest"]).items():
        assert sha256_file(mnt / key) == entry["sha256"], key


def test_walk_matches_keys(mounter, objectfs):
    mnt, _ = mounter("--metadata-ttl", "indefinite")
    all_keys = cli_keys(objectfs)
    keys = [k for k in all_keys if valid_path(k)]
    files, dirs = set(), set()
    for root, dnames, fnames in os.walk(mnt):
        rel = os.path.relpath(root, mnt)
        for name in fnames:
            files.add(name if rel == "." else f"{rel}/{name}")
        for name in dnames:
            dirs.add(name if rel == "." else f"{rel}/{name}")
    assert files == set(keys)
    # A directory exists while its prefix does, even when all its keys are skipped
    # ("long/" holds only a 895-byte name, "dots/" only "..").
    expected_dirs = {"/".join(k.split("/")[:i]) for k in all_keys
                     for i in range(1, k.count("/") + 1) if valid_path("/".join(k.split("/")[:i]))}
    assert dirs == expected_dirs
    assert "many" in dirs and "unicodé/ключ" in dirs
    assert len(os.listdir(mnt / "many")) == 1100
    # Keys whose last component is not a file name are skipped, not fatal.
    assert not any(len(n) > 255 for n in os.listdir(mnt / "long"))


def test_stat_sizes_and_mtimes(mounter, objectfs, rgw):
    mnt, _ = mounter()
    for key in ["hello.txt", "empty", "dir/a.bin", "dir/sub/b.bin", "big.bin", "space name.txt"]:
        st = os.stat(mnt / key)
        assert st.st_size == rgw["manifest"][key]["size"], key
        out = objectfs("stat", s3uri(key), check_rc=0).stdout.decode()
        stamp = re.search(r"mtime: (\S+)", out).group(1)
        mtime = datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=datetime.timezone.utc).timestamp()
        assert abs(st.st_mtime - mtime) <= 2, key
        assert (st.st_mode & 0o777) == 0o444
    assert os.path.isdir(mnt / "dir/sub")
    assert os.stat(mnt / "dir").st_mode & 0o777 == 0o555


def test_concurrent_readers(mounter, rgw):
    mnt, _ = mounter()
    manifest = rgw["manifest"]
    keys = ["big.bin", "dir/a.bin", "dir/sub/b.bin", "hello.txt", "dir/c.txt", "many/k0100"]
    errors = []

    def worker(key):
        try:
            if sha256_file(mnt / key) != manifest[key]["sha256"]:
                errors.append(key)
        except OSError as e:
            errors.append(f"{key}: {e}")

    for plan in ([keys[i % len(keys)] for i in range(16)], ["big.bin"] * 16):
        threads = [threading.Thread(target=worker, args=(k,)) for k in plan]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not errors


def test_random_pread_matches_source(mounter, rgw):
    mnt, _ = mounter()
    rng = random.Random(4)
    for key in ["big.bin", "dir/sub/b.bin"]:
        entry = rgw["manifest"][key]
        with open(entry["file"], "rb") as src:
            local = src.read()
        fd = os.open(mnt / key, os.O_RDONLY)
        try:
            for _ in range(200):
                offset = rng.randrange(0, entry["size"] + 10)
                length = rng.choice([1, 100, 4096, 65537, 1 << 20, 3 << 20])
                assert os.pread(fd, length, offset) == local[offset:offset + length], (key, offset)
        finally:
            os.close(fd)


def put(rgw, key, path):
    subprocess.run(["/usr/bin/python3", rgw["RGW_FIXTURES_SCRIPT"], rgw["RGW_ENV_FILE"], "put",
                    BUCKET, key, str(path)], check=True, capture_output=True, timeout=120)


def test_read_while_replaced_gives_old_bytes_or_error(mounter, rgw, tmp_path):
    size = 24 << 20
    v1, v2 = tmp_path / "v1", tmp_path / "v2"
    v1.write_bytes(b"a" * size)
    v2.write_bytes(b"b" * size)
    key = "mount-replace.bin"
    put(rgw, key, v1)
    try:
        mnt, _ = mounter("--metadata-ttl", "0", "--max-readahead", "1M")
        with open(mnt / key, "rb", buffering=0) as f:
            assert f.read(1 << 20) == b"a" * (1 << 20)
            put(rgw, key, v2)
            try:
                rest = b""
                while chunk := f.read(1 << 20):
                    rest += chunk
                assert rest == b"a" * len(rest)  # old bytes only, never a mix
            except OSError as e:
                assert e.errno in (errno.ESTALE, errno.EIO), e
        with open(mnt / key, "rb") as f:  # a new open sees the new object
            assert f.read(1 << 20) == b"b" * (1 << 20)
    finally:
        subprocess.run(["/usr/bin/python3", rgw["RGW_FIXTURES_SCRIPT"], rgw["RGW_ENV_FILE"],
                        "delete", BUCKET, key], capture_output=True, timeout=60)


def test_changes_are_erofs(mounter):
    mnt, _ = mounter()
    attempts = [
        lambda: open(mnt / "new.txt", "w"),
        lambda: open(mnt / "hello.txt", "r+b"),
        lambda: os.mkdir(mnt / "newdir"),
        lambda: os.unlink(mnt / "hello.txt"),
        lambda: os.rmdir(mnt / "dir"),
        lambda: os.rename(mnt / "hello.txt", mnt / "moved.txt"),
        lambda: os.chmod(mnt / "hello.txt", 0o777),
        lambda: os.truncate(mnt / "hello.txt", 0),
        lambda: os.symlink("hello.txt", mnt / "link"),
        lambda: os.setxattr(mnt / "hello.txt", "user.x", b"1"),
    ]
    for attempt in attempts:
        with pytest.raises(OSError) as e:
            attempt()
        assert e.value.errno == errno.EROFS, e.value
    st = os.statvfs(mnt)
    assert st.f_bsize == 4096 and st.f_namemax == 255 and st.f_flag & os.ST_RDONLY


def test_prefix_mount(mounter, rgw):
    mnt, _ = mounter(uri=s3uri("dir/"))
    assert sorted(os.listdir(mnt)) == ["a.bin", "c.txt", "sub"]
    assert sha256_file(mnt / "sub/b.bin") == rgw["manifest"]["dir/sub/b.bin"]["sha256"]


def test_listing_many_is_two_list_requests_and_no_head(mounter, tmp_path):
    mnt, proc = mounter("--log-level", "debug", "--stats")
    log = tmp_path / "mount0.log"
    os.stat(mnt / "many")  # the lookup of "many" itself
    before = log.read_text().count("objectfs debug: list (")
    names = os.listdir(mnt / "many")
    sizes = [os.stat(mnt / "many" / n).st_size for n in names]  # ls -l: cache hits
    assert len(names) == 1100 and all(s > 0 for s in sizes)
    lists = log.read_text().count("objectfs debug: list (") - before
    assert lists == 2
    unmount(mnt)
    proc.wait(timeout=10)
    stats = [l for l in log.read_text().splitlines() if "stats:" in l][-1]
    assert "head_requests=0 " in stats and "get_requests=0 " in stats


def test_indefinite_metadata_opens_from_the_listing_without_a_head(mounter, rgw, tmp_path):
    """--metadata-ttl indefinite says the objects do not change: an open pins
    the ETag the listing gave instead of sending a HEAD (close-to-open needs
    one per open with a finite TTL, as the test above shows)."""
    mnt, proc = mounter("--metadata-ttl", "indefinite", "--stats", uri=s3uri("dir/"))
    log = tmp_path / "mount0.log"
    manifest = rgw["manifest"]
    for name in ("a.bin", "c.txt", "sub/b.bin"):
        assert sha256_file(mnt / name) == manifest["dir/" + name]["sha256"], name
    unmount(mnt)
    proc.wait(timeout=10)
    stats = [l for l in log.read_text().splitlines() if "stats:" in l][-1]
    assert "head_requests=0 " in stats, stats
    assert "get_requests=0 " not in stats, stats


def test_sigterm_unmounts_cleanly(mounter):
    mnt, proc = mounter()
    assert os.listdir(mnt)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 0
    assert not is_mounted(mnt)


def test_killed_mount_can_be_cleaned(mounter):
    mnt, proc = mounter()
    assert (mnt / "hello.txt").read_bytes() == b"hello objectfs\n"
    proc.kill()
    proc.wait(timeout=10)
    with pytest.raises(OSError) as e:
        os.listdir(mnt)
    assert e.value.errno == errno.ENOTCONN
    assert subprocess.run(["fusermount3", "-u", str(mnt)], capture_output=True).returncode == 0
    assert not is_mounted(mnt)


def test_background_mount_with_o_options(objectfs, tmp_path):
    mnt = tmp_path / "bg"
    mnt.mkdir()
    try:
        objectfs("mount", s3uri(), str(mnt),
                 "-o", "metadata_ttl=indefinite,part_size=8M,ro,noatime,file_mode=0440,_netdev",
                 check_rc=0, timeout=30)
        assert is_mounted(mnt)  # ready when the command returns
        with open("/proc/mounts", encoding="utf-8") as f:
            line = [l for l in f if l.split()[1] == str(mnt)][0].split()
        assert line[0] == "objectfs" and line[2] == "fuse.objectfs" and "ro" in line[3].split(",")
        assert (mnt / "hello.txt").read_bytes() == b"hello objectfs\n"
        assert os.stat(mnt / "hello.txt").st_mode & 0o777 == 0o440
    finally:
        unmount(mnt)
    assert not is_mounted(mnt)


@pytest.mark.parametrize("case", ["missing-bucket", "bad-secret"])
def test_mount_failure_is_fast_and_leaves_no_mount(objectfs, tmp_path, case):
    mnt = tmp_path / "fail"
    mnt.mkdir()
    uri = "s3://objectfs-no-such-bucket/" if case == "missing-bucket" else s3uri()
    env = {"AWS_SECRET_ACCESS_KEY": "wrong-secret"} if case == "bad-secret" else None
    try:
        t0 = time.monotonic()
        result = objectfs("mount", uri, str(mnt), env_extra=env, timeout=30)
        elapsed = time.monotonic() - t0
        assert result.returncode != 0
        assert elapsed < 10
        err = result.stderr.decode()
        assert "cannot mount" in err
        assert ("does not exist" in err) if case == "missing-bucket" else ("denied" in err), err
        assert not is_mounted(mnt)
    finally:
        unmount(mnt)


def test_unknown_o_option_is_rejected(objectfs, tmp_path):
    result = objectfs("mount", s3uri(), str(tmp_path), "-o", "no_such_option=1")
    assert result.returncode != 0 and b"unknown mount option" in result.stderr
    assert not is_mounted(tmp_path)


def test_mount_help_documents_fstab(objectfs):
    out = objectfs("mount", "--help", check_rc=0).stdout.decode()
    assert "fuse.objectfs" in out and "--metadata-ttl" in out and "directory wins" in out


def test_directory_wins_over_object_of_same_name(mounter, rgw, tmp_path):
    src = tmp_path / "x"
    src.write_bytes(b"x\n")
    keys = ["mount-both", "mount-both/inner.txt"]
    for key in keys:
        put(rgw, key, src)
    try:
        mnt, _ = mounter()
        assert os.path.isdir(mnt / "mount-both")  # lookup first (one List)
        assert os.listdir(mnt / "mount-both") == ["inner.txt"]
        assert (mnt / "mount-both/inner.txt").read_bytes() == b"x\n"
        mnt2, _ = mounter()
        assert "mount-both" in os.listdir(mnt2)  # readdir first: once, as a directory
        assert os.listdir(mnt2).count("mount-both") == 1
        assert os.path.isdir(mnt2 / "mount-both")
    finally:
        for key in keys:
            subprocess.run(["/usr/bin/python3", rgw["RGW_FIXTURES_SCRIPT"], rgw["RGW_ENV_FILE"],
                            "delete", BUCKET, key], capture_output=True, timeout=60)


def test_lookup_probes_when_siblings_fill_the_first_page(mounter, rgw, tmp_path):
    # "probe-dir-00".."probe-dir-19" sort before "probe-dir/" ('-' < '/'), so the
    # lookup's first List page (16 keys) ends before the directory: a second List
    # (the probe) must still find it, and never a HEAD.
    src = tmp_path / "x"
    src.write_bytes(b"p\n")
    keys = [f"probe-dir-{i:02d}" for i in range(20)] + ["probe-dir/inner.txt"]
    for key in keys:
        put(rgw, key, src)
    try:
        mnt, proc = mounter("--log-level", "debug", "--stats")
        log = tmp_path / "mount0.log"
        st = os.stat(mnt / "probe-dir")  # a lookup, no readdir of the root before it
        text = log.read_text()
        assert stat.S_ISDIR(st.st_mode), "probe-dir must be a directory"
        assert text.count("list (lookup) prefix=probe-dir\n") == 1, text
        assert text.count("list (probe) prefix=probe-dir/\n") == 1, text
        assert (mnt / "probe-dir/inner.txt").read_bytes() == b"p\n"
        assert os.path.isfile(mnt / "probe-dir-07")
        unmount(mnt)
        proc.wait(timeout=10)
        stats = [l for l in log.read_text().splitlines() if "stats:" in l][-1]
        assert "head_requests=1 " in stats, stats  # the open pins the ETag; lookups never HEAD
    finally:
        for key in keys:
            subprocess.run(["/usr/bin/python3", rgw["RGW_FIXTURES_SCRIPT"], rgw["RGW_ENV_FILE"],
                            "delete", BUCKET, key], capture_output=True, timeout=60)


def test_fstab_route_through_mount_fuse3(aws_env, tmp_path):
    # An fstab line "s3://bucket/ /mnt fuse.objectfs ro,_netdev,... 0 0" makes mount(8)
    # run mount.fuse3, which runs `objectfs URI DIR -o OPTIONS` through /bin/sh with the
    # default PATH (objectfs installed in /usr/local/bin). Tests cannot install it there,
    # so they take fstab's other spelling, "/path/to/objectfs#s3://bucket/ ... fuse": the
    # same helper, the same command line.
    mnt = tmp_path / "fstab"
    mnt.mkdir()
    log = tmp_path / "fstab.log"
    source = os.path.realpath(os.environ["OBJECTFS_BIN"]) + "#" + s3uri()
    try:
        result = subprocess.run(
            ["mount", "-t", "fuse", "-o",
             f"ro,_netdev,nofail,metadata_ttl=indefinite,file_mode=0444,log_file={log}",
             source, str(mnt)], env=aws_env, capture_output=True, timeout=60)
        assert result.returncode == 0, result.stderr.decode(errors="replace")
        assert is_mounted(mnt)  # ready when mount(8) returns
        with open("/proc/mounts", encoding="utf-8") as f:
            line = [l for l in f if l.split()[1] == str(mnt)][0].split()
        assert line[2] == "fuse.objectfs" and "ro" in line[3].split(",")
        assert (mnt / "hello.txt").read_bytes() == b"hello objectfs\n"
        assert os.stat(mnt / "hello.txt").st_mode & 0o777 == 0o444
        assert subprocess.run(["umount", str(mnt)], capture_output=True, timeout=30).returncode == 0
        assert not is_mounted(mnt)
    finally:
        unmount(mnt)


def test_o_config_reads_the_config_file(mounter, rgw, tmp_path):
    """-o config=FILE is --config: here the file alone names the endpoint."""
    config = tmp_path / "objectfs.yaml"
    config.write_text(f"endpoint_url: {rgw['RGW_ENDPOINT']}\npart_size: 1M\n")
    mnt, _ = mounter("-o", f"config={config},max-attempts=2", env_extra={"AWS_ENDPOINT_URL": ""})
    assert (mnt / "hello.txt").read_bytes() == b"hello objectfs\n"


def test_o_bad_value_is_named(objectfs, tmp_path):
    result = objectfs("mount", s3uri(), str(tmp_path), "-o", "part_size=8X")
    assert result.returncode != 0
    assert b"part_size: invalid size '8X'" in result.stderr
    assert not is_mounted(tmp_path)
