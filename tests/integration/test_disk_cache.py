"""The disk cache (--cache-dir), `objectfs warm` and `objectfs cache` against a
real Ceph RGW: warmed objects are read with zero data GETs, bad blocks are
refetched, replaced objects never serve old bytes, kill -9 leaves a usable
cache, processes share one cache, and the size limit holds."""

import glob
import hashlib
import os
import re
import signal
import socket
import subprocess
import threading
import time
import uuid

import boto3
import botocore.config
import pytest

from conftest import BUCKET, s3uri
from test_mount import is_mounted, mounter  # noqa: F401  (fixture)

MiB = 1 << 20


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def stats_of(stderr):
    line = [l for l in stderr.decode().splitlines() if l.startswith("stats:")][-1]
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}


def block_files(cache_dir):
    return glob.glob(os.path.join(cache_dir, "v1", "blocks", "*", "*.blk"))


def temp_files(cache_dir):
    return glob.glob(os.path.join(cache_dir, "v1", "blocks", "*", ".tmp-*"))


@pytest.fixture
def s3(rgw):
    return boto3.client("s3", endpoint_url=rgw["RGW_ENDPOINT"],
                        aws_access_key_id=rgw["RGW_ACCESS_KEY"],
                        aws_secret_access_key=rgw["RGW_SECRET_KEY"],
                        config=botocore.config.Config(region_name="us-east-1",
                                                      signature_version="s3v4"))


@pytest.fixture
def objects(s3):
    """put(name, data) uploads under a fresh prefix; every object is deleted afterwards."""
    prefix = f"diskcache-{uuid.uuid4().hex[:12]}/"
    keys = []

    def put(name, data):
        s3.put_object(Bucket=BUCKET, Key=prefix + name, Body=data)
        keys.append(prefix + name)
        return prefix + name

    put.prefix = prefix
    yield put
    for key in keys:
        s3.delete_object(Bucket=BUCKET, Key=key)


@pytest.fixture
def cache_dir(tmp_path):
    return str(tmp_path / "cache")


class SlowProxy:
    """A TCP proxy in front of RGW that passes at most `rate` bytes/s from the
    server to each client connection: makes a warm slow enough to interrupt."""

    def __init__(self, port, rate):
        self.target = ("127.0.0.1", port)
        self.rate = rate
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.sockets = []
        self.stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stopped:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.sockets += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream, None), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, self.rate),
                             daemon=True).start()

    def _pump(self, src, dst, rate):
        try:
            while data := src.recv(65536):
                dst.sendall(data)
                if rate:
                    time.sleep(len(data) / rate)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self):
        self.stopped = True
        self.server.close()
        for s in self.sockets:
            s.close()


def test_warm_then_reads_send_no_data_gets(objectfs, objects, cache_dir):
    small = os.urandom(3 * MiB + 5)
    large = os.urandom(17 * MiB + 1)  # three 8 MiB blocks, the last one short
    objects("a.bin", small)
    objects("sub/b.bin", large)
    result = objectfs("--cache-dir", cache_dir, "warm", s3uri(objects.prefix), check_rc=0)
    summary = result.stdout.decode()
    assert "2 objects" in summary and "0 failed" in summary, summary
    assert len(block_files(cache_dir)) == 1 + 3
    for name, data in [("a.bin", small), ("sub/b.bin", large)]:
        out = objectfs("--stats", "--cache-dir", cache_dir, "cat", s3uri(objects.prefix + name),
                       check_rc=0)
        assert sha256(out.stdout) == sha256(data)
        stats = stats_of(out.stderr)
        assert stats["get_requests"] == 0, stats
        assert stats["disk_bytes_read"] == len(data)
    # The environment variable works as well as the flag, for cp's direct path too.
    dest = os.path.join(os.path.dirname(cache_dir), "b.out")
    out = objectfs("--stats", "cp", s3uri(objects.prefix + "sub/b.bin"), dest,
                   env_extra={"OBJECTFS_CACHE_DIR": cache_dir}, check_rc=0)
    assert stats_of(out.stderr)["get_requests"] == 0
    with open(dest, "rb") as f:
        assert sha256(f.read()) == sha256(large)
    # A second warm fetches nothing.
    again = objectfs("--stats", "--cache-dir", cache_dir, "warm", s3uri(objects.prefix),
                     check_rc=0)
    assert stats_of(again.stderr)["get_requests"] == 0
    assert "0 B fetched" in again.stdout.decode()


def test_warm_of_named_objects_sends_one_head_each(objectfs, objects, cache_dir):
    objects("one.bin", os.urandom(9 * MiB))  # two blocks
    objects("two.bin", os.urandom(1 * MiB))
    out = objectfs("--stats", "--cache-dir", cache_dir, "warm", s3uri(objects.prefix + "one.bin"),
                   s3uri(objects.prefix + "two.bin"), check_rc=0)
    stats = stats_of(out.stderr)
    # The HEAD that finds each object also pins its ETag for the fetches.
    assert stats["head_requests"] == 2, stats
    assert stats["get_requests"] == 3, stats
    assert stats["list_requests"] == 0, stats


def test_corrupt_block_is_detected_and_refetched(objectfs, objects, cache_dir):
    data = os.urandom(5 * MiB)
    key = objects("corrupt.bin", data)
    objectfs("--cache-dir", cache_dir, "warm", s3uri(key), check_rc=0)
    [block] = block_files(cache_dir)
    with open(block, "r+b") as f:
        f.seek(4096 + 2 * MiB + 123)
        byte = f.read(1)
        f.seek(-1, os.SEEK_CUR)
        f.write(bytes([byte[0] ^ 0xFF]))
    out = objectfs("--stats", "--cache-dir", cache_dir, "cat", s3uri(key), check_rc=0)
    assert sha256(out.stdout) == sha256(data)
    stats = stats_of(out.stderr)
    assert stats["disk_corrupt_blocks"] == 1, stats
    assert stats["get_requests"] >= 1
    # Stored again: the next read is clean and local.
    out = objectfs("--stats", "--cache-dir", cache_dir, "cat", s3uri(key), check_rc=0)
    assert sha256(out.stdout) == sha256(data)
    assert stats_of(out.stderr)["get_requests"] == 0
    assert stats_of(out.stderr)["disk_corrupt_blocks"] == 0


def test_replaced_object_serves_new_bytes(objectfs, objects, cache_dir):
    old = os.urandom(2 * MiB)
    key = objects("replaced.bin", old)
    objectfs("--cache-dir", cache_dir, "warm", s3uri(key), check_rc=0)
    new = os.urandom(2 * MiB)  # same size, new ETag
    objects("replaced.bin", new)
    out = objectfs("--stats", "--cache-dir", cache_dir, "cat", s3uri(key), check_rc=0)
    assert sha256(out.stdout) == sha256(new)
    assert stats_of(out.stderr)["get_requests"] >= 1


def test_kill_during_warm_leaves_a_consistent_cache_and_resumes(objectfs, objects, cache_dir,
                                                                aws_env, rgw):
    data = os.urandom(64 * MiB)  # 8 blocks
    key = objects("killed.bin", data)
    proxy = SlowProxy(int(rgw["RGW_PORT"]), rate=12 * MiB)
    try:
        env = dict(aws_env, AWS_ENDPOINT_URL=f"http://127.0.0.1:{proxy.port}")
        proc = subprocess.Popen([os.environ["OBJECTFS_BIN"], "--cache-dir", cache_dir,
                                 "--max-parallel-requests", "2", "warm", s3uri(key)],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while len(block_files(cache_dir)) < 2:
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "warm made no progress"
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        cached = len(block_files(cache_dir))
        assert 2 <= cached < 8
        # Temp files of the killed writer are cleaned up by the next pass.
        stats = objectfs("--cache-dir", cache_dir, "cache", "stats", check_rc=0).stdout.decode()
        assert "temp files: 0" in stats, stats
        assert not temp_files(cache_dir)
        # The next warm fetches only the missing blocks. Same endpoint (the cache
        # keys name the server), no longer slowed down.
        proxy.rate = 0
        through = {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{proxy.port}"}
        resumed = objectfs("--stats", "--cache-dir", cache_dir, "warm", s3uri(key),
                           env_extra=through, check_rc=0)
        assert stats_of(resumed.stderr)["get_requests"] == 8 - cached
        assert f"{cached * 8}.0 MiB already cached" in resumed.stdout.decode()
        out = objectfs("--stats", "--cache-dir", cache_dir, "cat", s3uri(key), env_extra=through,
                       check_rc=0)
        assert sha256(out.stdout) == sha256(data)
    finally:
        proxy.close()
    assert stats_of(out.stderr)["get_requests"] == 0
    assert stats_of(out.stderr)["disk_corrupt_blocks"] == 0


def test_two_processes_fill_and_read_one_cache(objectfs, objects, cache_dir, aws_env):
    datas = {f"p{i}.bin": os.urandom(9 * MiB + i) for i in range(4)}
    for name, data in datas.items():
        objects(name, data)
    bin_ = os.environ["OBJECTFS_BIN"]
    warm = subprocess.Popen([bin_, "--cache-dir", cache_dir, "warm", "--no-progress",
                             s3uri(objects.prefix)], env=aws_env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    readers = [subprocess.Popen([bin_, "--stats", "--cache-dir", cache_dir, "cat",
                                 s3uri(objects.prefix + name)], env=aws_env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
               for name in datas]
    for (name, data), reader in zip(datas.items(), readers):
        out, err = reader.communicate(timeout=120)
        assert reader.returncode == 0, err.decode()
        assert sha256(out) == sha256(data), name
        assert stats_of(err)["disk_corrupt_blocks"] == 0
    _, err = warm.communicate(timeout=120)
    assert warm.returncode == 0, err.decode()
    assert not temp_files(cache_dir)
    for name, data in datas.items():
        out = objectfs("--stats", "--cache-dir", cache_dir, "cat", s3uri(objects.prefix + name),
                       check_rc=0)
        assert sha256(out.stdout) == sha256(data)
        assert stats_of(out.stderr)["get_requests"] == 0


def test_size_limit_holds_with_a_10x_working_set(objectfs, objects, cache_dir):
    datas = {f"w{i:02}.bin": os.urandom(512 * 1024) for i in range(20)}
    for name, data in datas.items():
        objects(name, data)
    limit = 1 * MiB  # the working set is 10 MiB
    objectfs("--cache-dir", cache_dir, "--cache-size", "1M", "warm", s3uri(objects.prefix),
             check_rc=0)
    total = sum(os.path.getsize(p) for p in block_files(cache_dir))
    assert 0 < total <= limit
    for name, data in datas.items():
        out = objectfs("--cache-dir", cache_dir, "--cache-size", "1M", "cat",
                       s3uri(objects.prefix + name), check_rc=0)
        assert sha256(out.stdout) == sha256(data)
        assert sum(os.path.getsize(p) for p in block_files(cache_dir)) <= limit
    stats = objectfs("--cache-dir", cache_dir, "cache", "stats", check_rc=0).stdout.decode()
    assert int(re.search(r"bytes:\s+(\d+)", stats).group(1)) <= limit


@pytest.mark.skipif(not os.path.exists("/dev/fuse"), reason="no /dev/fuse")
def test_mount_reads_from_the_cache(objectfs, objects, cache_dir, mounter, tmp_path):  # noqa: F811
    data = os.urandom(10 * MiB + 7)
    key = objects("mounted.bin", data)
    objectfs("--cache-dir", cache_dir, "warm", s3uri(key), check_rc=0)
    mnt, proc = mounter("--stats", "-o", f"cache_dir={cache_dir}", uri=s3uri(objects.prefix))
    with open(mnt / "mounted.bin", "rb") as f:
        assert sha256(f.read()) == sha256(data)
    subprocess.run(["fusermount3", "-u", str(mnt)], check=True, timeout=30)
    proc.wait(timeout=30)
    log = (tmp_path / "mount0.log").read_text()
    stats = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", log.split("stats:")[-1])}
    assert stats["get_requests"] == 0, log
    assert stats["disk_bytes_read"] >= len(data)


def test_warm_reports_failures_and_needs_a_cache(objectfs, objects, cache_dir):
    key = objects("present.bin", b"x" * 1000)
    result = objectfs("--cache-dir", cache_dir, "warm", s3uri(key),
                      s3uri(objects.prefix + "missing.bin"))
    assert result.returncode == 1
    assert "missing.bin" in result.stderr.decode()
    assert "1 objects" in result.stdout.decode()
    result = objectfs("warm", s3uri(key))
    assert result.returncode == 1
    assert "--cache-dir" in result.stderr.decode()


def test_cache_stats_and_clear(objectfs, objects, cache_dir):
    key = objects("clear.bin", os.urandom(MiB))
    objectfs("--cache-dir", cache_dir, "warm", s3uri(key), check_rc=0)
    stats = objectfs("cache", "stats", "--cache-dir", cache_dir, check_rc=0).stdout.decode()
    assert re.search(r"blocks:\s+1\b", stats), stats
    assert oct(os.stat(cache_dir).st_mode & 0o777) == "0o700"
    assert all(os.stat(p).st_mode & 0o777 == 0o600 for p in block_files(cache_dir))
    cleared = objectfs("cache", "clear", "--cache-dir", cache_dir, check_rc=0).stdout.decode()
    assert "1 blocks" in cleared
    assert not block_files(cache_dir)
    assert objectfs("cache", "stats").returncode == 1  # no directory given
