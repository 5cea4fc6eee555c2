"""`objectfs mount --read-write` against a real Ceph RGW: files written through
the mount (cp, dd, tar, Python, torch.save) become objects at close, read back
byte for byte through boto3 and the mount; the refusals (overwrite, delete,
rename, non-sequential writes) and a failed upload's EIO at close. Every test
unmounts (the mounter fixture of test_mount.py) and deletes what it wrote."""

import errno
import hashlib
import http.client
import http.server
import os
import shutil
import subprocess
import sys
import tarfile
import threading

import pytest

from conftest import BUCKET, s3uri
from test_mount import mounter, unmount  # noqa: F401 (fixture)

pytestmark = pytest.mark.skipif(not os.path.exists("/dev/fuse"), reason="no /dev/fuse")

PREFIX = "mount-write/"


@pytest.fixture
def s3(rgw):
    """boto3 (tests/servers/s3_fixtures.py), independent of objectfs; deletes
    everything under PREFIX afterwards."""
    sys.path.insert(0, os.path.dirname(rgw["RGW_FIXTURES_SCRIPT"]))
    import s3_fixtures
    client = s3_fixtures.make_client(s3_fixtures.load_env(rgw["RGW_ENV_FILE"]))
    yield client
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=PREFIX):
        for obj in page.get("Contents", []):
            client.delete_object(Bucket=BUCKET, Key=obj["Key"])


def get(s3, key):
    return s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()


def exists(s3, key):
    return s3.list_objects_v2(Bucket=BUCKET, Prefix=key).get("KeyCount", 0) > 0 and any(
        o["Key"] == key for o in s3.list_objects_v2(Bucket=BUCKET, Prefix=key)["Contents"])


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def test_cp_big_file_streams_and_reads_back(mounter, s3, rgw, tmp_path):
    mnt, _ = mounter("--read-write", "--log-level", "debug")
    entry = rgw["manifest"]["big.bin"]  # 40 MiB: exactly 5 parts of 8 MiB
    os.makedirs(mnt / PREFIX)
    subprocess.run(["cp", entry["file"], str(mnt / PREFIX / "big.bin")], check=True, timeout=120)
    assert sha256(get(s3, PREFIX + "big.bin")) == entry["sha256"]
    assert os.stat(mnt / PREFIX / "big.bin").st_size == entry["size"]
    with open(mnt / PREFIX / "big.bin", "rb") as f:
        assert sha256(f.read()) == entry["sha256"]
    log = (tmp_path / "mount0.log").read_text()
    assert "max_write=" in log and "committed " + PREFIX + "big.bin" in log


def test_dd_and_shell_redirect(mounter, s3, tmp_path):
    mnt, _ = mounter("-o", "rw")
    src = tmp_path / "src.bin"
    src.write_bytes(os.urandom((9 << 20) + 123))
    os.makedirs(mnt / PREFIX)
    subprocess.run(["dd", f"if={src}", f"of={mnt / PREFIX / 'dd.bin'}", "bs=1M", "status=none"],
                   check=True, timeout=120)
    assert get(s3, PREFIX + "dd.bin") == src.read_bytes()
    # The shell opens, dup2s and closes before echo writes: that first close
    # must not commit an empty object.
    subprocess.run(["sh", "-c", f"echo hello > '{mnt / PREFIX / 'echo.txt'}'"], check=True)
    assert get(s3, PREFIX + "echo.txt") == b"hello\n"
    assert (mnt / PREFIX / "echo.txt").read_bytes() == b"hello\n"


def test_tar_extracts_a_tree(mounter, s3, tmp_path):
    mnt, _ = mounter("--read-write")
    tree = tmp_path / "tree"
    files = {"a.txt": b"a\n", "sub/b.bin": os.urandom(300000), "sub/deeper/c": b"",
             "sub/deeper/d.txt": b"d" * 5000}
    for name, data in files.items():
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        (tree / name).write_bytes(data)
    archive = tmp_path / "tree.tar"
    with tarfile.open(archive, "w") as t:
        t.add(tree, arcname="tree")
    os.makedirs(mnt / PREFIX)
    # Times are accepted and not kept; the modes and owner tar restores are
    # those every file of the mount has (0644/0755, the caller).
    result = subprocess.run(["tar", "-x", "-f", str(archive), "-C", str(mnt / PREFIX)],
                            capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr.decode()
    for name, data in files.items():
        assert get(s3, PREFIX + "tree/" + name) == data, name
        assert (mnt / PREFIX / "tree" / name).read_bytes() == data, name
    assert sorted(os.listdir(mnt / PREFIX / "tree/sub")) == ["b.bin", "deeper"]
    shutil.copy(tree / "a.txt", mnt / PREFIX / "copied.txt")  # copyfile, then chmod 0644
    assert get(s3, PREFIX + "copied.txt") == b"a\n"


def test_python_open_and_torch_save(mounter, s3):
    torch = pytest.importorskip("torch")
    mnt, _ = mounter("--read-write")
    os.makedirs(mnt / PREFIX)
    data = os.urandom(3 << 20)
    with open(mnt / PREFIX / "py.bin", "wb") as f:
        for i in range(0, len(data), 100000):
            f.write(data[i:i + 100000])
        # While being written: the bytes so far, and no second open.
        f.flush()
        assert os.fstat(f.fileno()).st_size == f.tell()
        with pytest.raises(OSError) as e:
            open(mnt / PREFIX / "py.bin", "rb")
        assert e.value.errno == errno.EPERM
    assert get(s3, PREFIX + "py.bin") == data
    assert os.stat(mnt / PREFIX / "py.bin").st_size == len(data)

    obj = {"weights": torch.arange(1 << 20, dtype=torch.float32), "name": "model"}
    torch.save(obj, mnt / PREFIX / "model.pt")
    local = mnt.parent / "local" / "model.pt"  # the archive records the file's name
    local.parent.mkdir()
    torch.save(obj, local)
    with open(mnt / PREFIX / "model.pt", "rb") as f:
        via_mount = f.read()
    assert get(s3, PREFIX + "model.pt") == via_mount
    loaded = torch.load(mnt / PREFIX / "model.pt")
    assert loaded["name"] == "model" and torch.equal(loaded["weights"], obj["weights"])
    assert via_mount == local.read_bytes()


def test_overwrite_needs_the_flag_and_o_trunc(mounter, s3):
    s3.put_object(Bucket=BUCKET, Key=PREFIX + "old.txt", Body=b"old bytes")
    mnt, _ = mounter("--read-write")
    for flags in (os.O_WRONLY | os.O_TRUNC, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, os.O_RDWR):
        with pytest.raises(OSError) as e:
            os.open(mnt / PREFIX / "old.txt", flags)
        assert e.value.errno == errno.EPERM, flags
    assert get(s3, PREFIX + "old.txt") == b"old bytes"

    mnt2, _ = mounter("--read-write", "--allow-overwrite")
    with pytest.raises(OSError) as e:
        os.open(mnt2 / PREFIX / "old.txt", os.O_WRONLY | os.O_APPEND)
    assert e.value.errno == errno.EPERM
    with open(mnt2 / PREFIX / "old.txt", "wb") as f:  # O_WRONLY|O_CREAT|O_TRUNC
        f.write(b"new")
    assert get(s3, PREFIX + "old.txt") == b"new"
    assert (mnt2 / PREFIX / "old.txt").read_bytes() == b"new"
    assert os.stat(mnt2 / PREFIX / "old.txt").st_size == 3


def test_unlink_and_rmdir_need_allow_delete(mounter, s3):
    for key in ("gone.txt", "d/inner.txt"):
        s3.put_object(Bucket=BUCKET, Key=PREFIX + key, Body=b"x")
    mnt, _ = mounter("--read-write")
    with pytest.raises(OSError) as e:
        os.unlink(mnt / PREFIX / "gone.txt")
    assert e.value.errno == errno.EPERM
    assert exists(s3, PREFIX + "gone.txt")

    mnt2, _ = mounter("-o", "rw,allow_delete")
    os.unlink(mnt2 / PREFIX / "gone.txt")
    assert not exists(s3, PREFIX + "gone.txt")
    assert not os.path.exists(mnt2 / PREFIX / "gone.txt")
    with pytest.raises(OSError) as e:
        os.rmdir(mnt2 / PREFIX / "d")
    assert e.value.errno == errno.ENOTEMPTY
    os.unlink(mnt2 / PREFIX / "d/inner.txt")
    os.rmdir(mnt2 / PREFIX / "d")  # the prefix went with its last key
    assert not os.path.exists(mnt2 / PREFIX / "d")
    # mkdir is local until a file is written in it; an empty one can go again.
    os.mkdir(mnt2 / PREFIX / "local")
    assert os.path.isdir(mnt2 / PREFIX / "local")
    assert not exists(s3, PREFIX + "local/")
    os.rmdir(mnt2 / PREFIX / "local")
    assert not os.path.exists(mnt2 / PREFIX / "local")


def test_unsupported_changes_fail_with_eperm(mounter, s3):
    s3.put_object(Bucket=BUCKET, Key=PREFIX + "f.txt", Body=b"abc")
    mnt, _ = mounter("--read-write", "--allow-overwrite", "--allow-delete")
    f = mnt / PREFIX / "f.txt"
    attempts = [
        lambda: os.rename(f, mnt / PREFIX / "moved.txt"),
        lambda: os.chmod(f, 0o600),
        lambda: os.chown(f, 1234, 1234),
        lambda: os.truncate(f, 1),
        lambda: os.truncate(f, 0),
        lambda: os.symlink("f.txt", mnt / PREFIX / "link"),
        lambda: os.link(f, mnt / PREFIX / "hard"),
    ]
    for attempt in attempts:
        with pytest.raises(OSError) as e:
            attempt()
        assert e.value.errno == errno.EPERM, e.value
    with pytest.raises(OSError) as e:
        os.setxattr(f, "user.x", b"1")
    assert e.value.errno == errno.ENOTSUP
    assert get(s3, PREFIX + "f.txt") == b"abc"
    st = os.statvfs(mnt)
    assert not st.f_flag & os.ST_RDONLY and st.f_bavail > 0


def test_non_sequential_write_is_einval_and_uploads_nothing(mounter, s3, tmp_path):
    mnt, _ = mounter("--read-write")
    os.makedirs(mnt / PREFIX)
    fd = os.open(mnt / PREFIX / "seek.bin", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        assert os.write(fd, b"a" * 4096) == 4096
        with pytest.raises(OSError) as e:
            os.pwrite(fd, b"b", 100)
        assert e.value.errno == errno.EINVAL
    finally:
        with pytest.raises(OSError) as e:
            os.close(fd)
        assert e.value.errno == errno.EIO
    assert not exists(s3, PREFIX + "seek.bin")
    log = (tmp_path / "mount0.log").read_text()
    assert log.count("files are written sequentially only; the upload is aborted") == 1


class FailingProxy:
    """Forwards requests to RGW unchanged (the signature covers the Host header,
    which RGW takes as sent); once `fail_puts` is set, answers every PUT with
    403 AccessDenied instead (not retried)."""

    def __init__(self, upstream):
        host, port = upstream.split("//")[1].split(":")
        proxy = self
        self.fail_puts = False

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def handle_one(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length) if length else None
                if self.command == "PUT" and proxy.fail_puts:
                    payload = (b"<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code>"
                               b"<Message>refused by the test proxy</Message></Error>")
                    self.send_response(403)
                    self.send_header("Content-Type", "application/xml")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                conn = http.client.HTTPConnection(host, int(port), timeout=60)
                conn.request(self.command, self.path, body=body, headers=dict(self.headers))
                resp = conn.getresponse()
                data = resp.read()
                self.send_response(resp.status)
                for name, value in resp.getheaders():
                    if name.lower() not in ("transfer-encoding", "content-length", "connection"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
                conn.close()

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_one

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize("size", [1000, 20 << 20], ids=["one-put", "multipart"])
def test_failed_upload_fails_close_with_eio(mounter, s3, rgw, tmp_path, size):
    proxy = FailingProxy(rgw["RGW_ENDPOINT"])
    try:
        mnt, _ = mounter("--read-write", "--max-attempts", "1",
                         env_extra={"AWS_ENDPOINT_URL": proxy.endpoint})
        assert os.path.isdir(mnt)
        proxy.fail_puts = True
        fd = os.open(mnt / "mount-write-fail.bin", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        failed = None
        try:
            data = os.urandom(1 << 20)
            for _ in range(max(1, size >> 20)):
                os.write(fd, data[:size])
        except OSError as e:  # a part failed while writing: also EIO
            failed = e
        finally:
            with pytest.raises(OSError) as closed:
                os.close(fd)
        assert closed.value.errno == errno.EIO
        if failed is not None:
            assert failed.errno == errno.EIO
        assert not exists(s3, "mount-write-fail.bin")
        assert not os.path.exists(mnt / "mount-write-fail.bin")
        log = (tmp_path / "mount0.log").read_text()
        assert "upload of mount-write-fail.bin failed" in log and "AccessDenied" in log, log
    finally:
        proxy.stop()


def test_read_only_stays_the_default(mounter, objectfs, tmp_path):
    mnt, _ = mounter()
    with pytest.raises(OSError) as e:
        open(mnt / "new.txt", "wb")
    assert e.value.errno == errno.EROFS
    mnt2, _ = mounter("-o", "rw,ro")  # the last one wins
    with pytest.raises(OSError) as e:
        open(mnt2 / "new.txt", "wb")
    assert e.value.errno == errno.EROFS
    result = objectfs("mount", s3uri(), str(tmp_path), "--allow-delete")
    assert result.returncode != 0 and b"need --read-write" in result.stderr
