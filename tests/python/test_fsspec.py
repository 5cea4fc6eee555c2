"""objectfs.fsspec.ObjectFileSystem against RGW: registration, listings,
reads (ranges, parallel ranges, seekable files), writes, find/glob/du, and
pandas reading through it."""

import io
import os
import subprocess
import sys

import fsspec
import pandas
import pytest

import objectfs
from objectfs.fsspec import ObjectFileSystem

from conftest import BUCKET, client_options, s3uri


@pytest.fixture
def fs(client):
    # skip_instance_cache: each test sees its own listing cache.
    return fsspec.filesystem("objectfs", client=client, skip_instance_cache=True)


def delta(client, before):
    after = client.stats()
    return {k: after[k] - before[k] for k in ("head_requests", "get_requests", "list_requests")}


def test_registered_after_import_objectfs(client):
    assert fsspec.get_filesystem_class("objectfs") is ObjectFileSystem
    fs = fsspec.filesystem("objectfs", client=client)
    assert isinstance(fs, ObjectFileSystem) and fs.client is client


def test_import_objectfs_without_fsspec_or_torch():
    # Both hidden from the import system: objectfs imports, its optional modules do not.
    code = """
import sys
class Hide:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("fsspec", "torch"):
            raise ModuleNotFoundError(name)
sys.meta_path.insert(0, Hide())
import objectfs
assert "fsspec" not in sys.modules and "torch" not in sys.modules
for optional in ("objectfs.fsspec", "objectfs.torch"):
    try:
        __import__(optional)
    except ImportError:
        continue
    raise SystemExit(optional + " imported without its dependency")
print("ok")
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=os.environ, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_ls_info_exists(fs, client, put, prefix):
    a = put("a.txt", b"aaa")
    put("sub/b.txt", b"bb")
    root = s3uri(prefix)
    assert fs.ls(root, detail=False) == [a, root + "sub"]
    entries = {e["name"]: e for e in fs.ls(root + "/")}
    assert entries[a]["type"] == "file" and entries[a]["size"] == 3
    assert entries[a]["etag"] == client.stat(a).etag
    assert entries[root + "sub"] == {"name": root + "sub", "size": 0, "type": "directory"}
    fresh = fsspec.filesystem("objectfs", client=client, skip_instance_cache=True)
    assert fresh.info(a)["size"] == 3 and fresh.info(a)["type"] == "file"
    assert fresh.info(root + "sub/")["type"] == "directory"
    assert fresh.ls(a, detail=False) == [a]  # a file lists itself
    assert fs.exists(a) and fs.exists(root + "sub") and fs.isdir(root + "sub")
    assert fs.isfile(a) and not fs.isdir(a)
    assert not fs.exists(root + "missing")
    with pytest.raises(FileNotFoundError):
        fresh.ls(root + "missing")
    with pytest.raises(FileNotFoundError):
        fresh.info(root + "missing")
    # objectfs:// in front of the URI is the same path.
    assert fs.info("objectfs://" + a)["name"] == a


def test_cat_file_ranges_use_the_listing_without_head(fs, client, put, prefix):
    data = bytes(range(256)) * 40
    uri = put("data.bin", data)
    fs.ls(s3uri(prefix))
    before = client.stats()
    assert fs.cat_file(uri) == data
    assert fs.cat_file(uri, 10, 20) == data[10:20]
    assert fs.cat_file(uri, -5) == data[-5:]
    assert fs.cat_file(uri, 100, -100) == data[100:-100]
    assert fs.cat_file(uri, 20, 10) == b""
    assert fs.cat(uri) == data
    counts = delta(client, before)
    assert counts["head_requests"] == 0 and counts["list_requests"] == 0
    assert counts["get_requests"] >= 1


def test_cat_file_reads_an_object_replaced_after_the_listing(fs, s3, put, prefix):
    uri = put("changing", b"old bytes")
    fs.ls(s3uri(prefix))
    s3.put_object(Bucket=BUCKET, Key=prefix + "changing", Body=b"new bytes!")
    assert fs.cat_file(uri) == b"new bytes!"


def test_cat_ranges_in_parallel_with_errors_in_place(fs, put, prefix):
    blobs = {f"f{i}": os.urandom(1000 + i) for i in range(20)}
    uris = [put(name, data) for name, data in blobs.items()]
    starts = [i for i in range(20)]
    ends = [500 + i for i in range(20)]
    got = fs.cat_ranges(uris, starts, ends)
    assert got == [blobs[f"f{i}"][i:500 + i] for i in range(20)]
    mixed = fs.cat_ranges([uris[0], s3uri(prefix + "missing")], 0, 10)
    assert mixed[0] == blobs["f0"][:10] and isinstance(mixed[1], FileNotFoundError)
    with pytest.raises(FileNotFoundError):
        fs.cat_ranges([s3uri(prefix + "missing")], [0], [1], on_error="raise")
    with pytest.raises(ValueError):
        fs.cat_ranges(uris[:2], [0], [1, 2])


def test_open_rb_is_seekable_and_text_mode_reads_lines(fs, put):
    uri = put("lines.txt", b"one\ntwo\nthree\n")
    with fs.open(uri, "rb") as f:
        assert f.seekable() and f.read(3) == b"one"
        f.seek(-6, io.SEEK_END)
        assert f.read() == b"three\n" and f.tell() == 14
    with fs.open(uri, "r") as f:
        assert f.readlines() == ["one\n", "two\n", "three\n"]
    with fsspec.open("objectfs://" + uri, "rb", client=fs.client) as f:
        assert f.read() == b"one\ntwo\nthree\n"


def test_open_wb_writes_and_the_listing_sees_it(fs, s3, put, prefix):
    put("existing", b"x")
    root = s3uri(prefix)
    assert fs.ls(root, detail=False) == [root + "existing"]
    with fs.open(root + "new.bin", "wb") as f:
        f.write(b"written through fsspec")
    assert s3.get_object(Bucket=BUCKET, Key=prefix + "new.bin")["Body"].read() == \
        b"written through fsspec"
    assert fs.ls(root, detail=False) == [root + "existing", root + "new.bin"]
    fs.pipe_file(root + "piped", b"piped bytes")
    assert fs.cat_file(root + "piped") == b"piped bytes"
    fs.rm(root + "piped")
    assert not fs.exists(root + "piped")


def test_find_glob_du(fs, put, prefix):
    for name, size in (("a.csv", 1), ("b.csv", 2), ("x/c.csv", 3), ("x/y/d.txt", 4)):
        put(name, b"z" * size)
    root = s3uri(prefix)
    assert fs.find(root) == [root + n for n in ("a.csv", "b.csv", "x/c.csv", "x/y/d.txt")]
    assert fs.find(root, maxdepth=1) == [root + "a.csv", root + "b.csv"]
    assert fs.find(root, maxdepth=2, withdirs=True) == \
        [root + n for n in ("a.csv", "b.csv", "x", "x/c.csv", "x/y")]
    assert fs.find(root + "a.csv") == [root + "a.csv"]
    assert fs.glob(root + "*.csv") == [root + "a.csv", root + "b.csv"]
    assert fs.glob(root + "**/*.csv") == [root + "x/c.csv"]
    assert fs.glob(root + "x/*") == [root + "x/c.csv", root + "x/y"]
    assert fs.du(root) == 10
    assert fs.du(root, total=False) == {root + "a.csv": 1, root + "b.csv": 2,
                                        root + "x/c.csv": 3, root + "x/y/d.txt": 4}


def test_pandas_reads_and_writes_csv(fs, rgw, put, prefix):
    uri = put("frame.csv", b"name,value\nalpha,1\nbeta,2\n")
    with fs.open(uri) as f:
        frame = pandas.read_csv(f)
    assert list(frame["name"]) == ["alpha", "beta"] and list(frame["value"]) == [1, 2]
    # pandas' own fsspec path: the URL and Client options as storage_options.
    again = pandas.read_csv("objectfs://" + uri, storage_options=client_options(rgw))
    assert again.equals(frame)
    out = s3uri(prefix + "out.csv")
    frame.to_csv("objectfs://" + out, index=False, storage_options=client_options(rgw))
    assert fs.cat_file(out) == b"name,value\nalpha,1\nbeta,2\n"


def test_local_files_through_file_uris(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "one.txt").write_bytes(b"local one")
    fs = fsspec.filesystem("objectfs", client=objectfs.Client(), skip_instance_cache=True)
    root = "file://" + str(tmp_path)
    assert fs.ls(root + "/d", detail=False) == [root + "/d/one.txt"]
    assert fs.info(root + "/d")["type"] == "directory"
    assert fs.cat_file(root + "/d/one.txt", 6) == b"one"
    assert fs.find(str(tmp_path)) == [root + "/d/one.txt"]


def test_listed_reads_find_the_disk_cache_a_stat_opened_read_filled(rgw, put, prefix, tmp_path):
    data = os.urandom(300_000)
    uri = put("cached.bin", data)
    first = objectfs.Client(**client_options(rgw, cache_dir=str(tmp_path / "cache")))
    with first.open(uri) as f:  # after a HEAD: blocks named by the HEAD's ETag
        assert f.read() == data
    del first
    second = objectfs.Client(**client_options(rgw, cache_dir=str(tmp_path / "cache")))
    fs = fsspec.filesystem("objectfs", client=second, skip_instance_cache=True)
    fs.ls(s3uri(prefix))
    before = second.stats()
    assert fs.cat_file(uri) == data  # from the listing: the same names, so from disk
    counts = delta(second, before)
    assert counts == {"head_requests": 0, "get_requests": 0, "list_requests": 0}
