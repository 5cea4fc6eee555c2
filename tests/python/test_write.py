"""Writes from Python against a real Ceph RGW: objectfs.open(uri, "wb"/"xb"),
torch.save through it, safetensors.save_file to S3, rm/cp/put/get. Every
object is read back with boto3, an independent client."""

import gc
import hashlib
import io
import json
import struct
import threading
import time
import tracemalloc
import warnings

import botocore.exceptions
import numpy
import pytest
import torch

import objectfs
from conftest import BUCKET, client_options, s3uri
from objectfs import safetensors as st

MIB = 1 << 20
PART = 5 * MIB  # S3's minimum part size: the smallest part a writer uses


@pytest.fixture(scope="module")
def wclient(rgw):
    return objectfs.Client(**client_options(rgw, part_size="5M"))


def data_of(size, seed=0):
    return numpy.random.default_rng(seed).integers(0, 256, size, dtype=numpy.uint8).tobytes()


def fetch(s3, key):
    return s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()


def exists(s3, key):
    try:
        s3.head_object(Bucket=BUCKET, Key=key)
        return True
    except botocore.exceptions.ClientError as e:
        assert e.response["Error"]["Code"] in ("404", "NoSuchKey"), e
        return False


def pending_uploads(s3, key):
    answer = s3.list_multipart_uploads(Bucket=BUCKET, Prefix=key)
    return [u for u in answer.get("Uploads", []) if u["Key"] == key]


# -- objectfs.open(uri, "wb") ----------------------------------------------------

@pytest.mark.parametrize("size", [0, 1, PART - 1, PART, PART + 1, 3 * PART + 7])
def test_round_trip_sizes(wclient, s3, prefix, size):
    data = data_of(size, seed=size)
    key = prefix + f"obj-{size}"
    chunk = MIB + 3  # writes that straddle part boundaries
    with objectfs.open(s3uri(key), "wb", client=wclient) as f:
        assert f.writable() and not f.readable() and not f.seekable()
        assert f.name == s3uri(key) and f.mode == "wb"
        view = memoryview(data)
        for start in range(0, size, chunk):
            assert f.write(view[start:start + chunk]) == len(view[start:start + chunk])
        assert f.tell() == size
        assert not exists(s3, key)  # nothing is visible before close
    assert f.closed and f.info.size == size
    if size <= PART:  # (RGW answers CompleteMultipartUpload with an empty ETag)
        assert f.info.etag == s3.head_object(Bucket=BUCKET, Key=key)["ETag"]
    got = fetch(s3, key)
    assert len(got) == size and hashlib.sha256(got).digest() == hashlib.sha256(data).digest()
    assert not pending_uploads(s3, key)


def test_buffers_of_every_kind_and_writelines(wclient, s3, prefix):
    array = numpy.arange(24, dtype=numpy.float32).reshape(4, 6)
    parts = [b"bytes|", bytearray(b"bytearray|"), memoryview(b"xxmemoryview|")[2:], array,
             torch.arange(5, dtype=torch.int16).numpy()]
    key = prefix + "kinds"
    with objectfs.open(s3uri(key), "wb", client=wclient) as f:
        for part in parts[:3]:
            f.write(part)
        f.writelines(parts[3:])
        f.flush()  # a no-op, allowed
    expected = b"".join(bytes(memoryview(p).cast("B")) for p in parts)
    assert fetch(s3, key) == expected


def test_non_contiguous_buffer_is_refused_like_builtin_files(wclient, prefix):
    with objectfs.open(s3uri(prefix + "strided"), "wb", client=wclient) as f:
        with pytest.raises(ValueError, match="not C-contiguous"):  # numpy's own error
            f.write(numpy.arange(10)[::2])
        with pytest.raises(TypeError):
            f.write("text is not bytes")


def test_exception_inside_with_aborts_the_upload(wclient, s3, prefix):
    key = prefix + "aborted"
    with pytest.raises(RuntimeError, match="boom"):
        with objectfs.open(s3uri(key), "wb", client=wclient) as f:
            f.write(data_of(2 * PART + 1))  # a multipart upload is under way
            raise RuntimeError("boom")
    assert f.closed
    assert not exists(s3, key)
    assert not pending_uploads(s3, key)


def test_garbage_collected_writer_aborts(wclient, s3, prefix):
    key = prefix + "abandoned"
    f = objectfs.open(s3uri(key), "wb", client=wclient)
    f.write(data_of(PART + 10))
    with pytest.warns(RuntimeWarning, match="garbage-collected without close"):
        del f
        gc.collect()
    assert not exists(s3, key)
    assert not pending_uploads(s3, key)


def test_garbage_collected_writer_commits_after_a_final_flush(wclient, s3, prefix):
    key = prefix + "flushed"
    data = data_of(PART + 10)
    f = objectfs.open(s3uri(key), "wb", client=wclient)
    f.write(data)
    f.flush()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        del f
        gc.collect()
    assert fetch(s3, key) == data
    # Writes after the flush make it an interrupted writer again.
    g = objectfs.open(s3uri(prefix + "unflushed"), "wb", client=wclient)
    g.write(b"a")
    g.flush()
    g.write(b"b")
    with pytest.warns(RuntimeWarning, match="after the last flush"):
        del g
        gc.collect()
    assert not exists(s3, prefix + "unflushed")


def test_xb_refuses_an_existing_key_and_keeps_its_bytes(wclient, s3, put, prefix):
    uri = put("existing", b"old bytes")
    with pytest.raises(FileExistsError) as raised:
        objectfs.open(uri, "xb", client=wclient)
    assert uri in str(raised.value)
    assert fetch(s3, prefix + "existing") == b"old bytes"

    with objectfs.open(s3uri(prefix + "new"), "xb", client=wclient) as f:
        assert f.mode == "xb"
        f.write(b"fresh")
    assert fetch(s3, prefix + "new") == b"fresh"
    with objectfs.open(uri, "wb", client=wclient) as f:  # "wb" replaces
        f.write(b"new bytes")
    assert fetch(s3, prefix + "existing") == b"new bytes"


def test_closed_writer_and_unsupported_calls(wclient, s3, prefix):
    f = objectfs.open(s3uri(prefix + "c"), "wb", client=wclient)
    f.write(b"abc")
    assert f.seek(0, io.SEEK_CUR) == 3 and f.seek(3) == 3
    with pytest.raises(io.UnsupportedOperation):
        f.seek(0)
    for read in (f.read, f.readline, lambda: f.readinto(bytearray(2))):
        with pytest.raises(io.UnsupportedOperation):
            read()
    f.close()
    f.close()  # twice is fine
    with pytest.raises(ValueError):
        f.write(b"more")
    with pytest.raises(ValueError):
        f.tell()
    assert fetch(s3, prefix + "c") == b"abc"
    for mode in ("w", "ab", "r+b", "wt"):
        with pytest.raises(ValueError, match="not supported"):
            objectfs.open(s3uri(prefix + "m"), mode, client=wclient)


def test_missing_bucket_fails_at_open(wclient):
    with pytest.raises(FileNotFoundError, match="no-such-bucket"):
        objectfs.open("s3://no-such-bucket-objectfs/x", "wb", client=wclient)


def test_parallel_writers_in_threads(wclient, s3, prefix):
    blobs = {f"t{i}": data_of(PART + 1000 * i, seed=i) for i in range(4)}
    errors = []

    def upload(name):
        try:
            with objectfs.open(s3uri(prefix + name), "wb", client=wclient) as f:
                for start in range(0, len(blobs[name]), 777_777):
                    f.write(blobs[name][start:start + 777_777])
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=upload, args=(n,)) for n in blobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for name, blob in blobs.items():
        assert fetch(s3, prefix + name) == blob


def test_local_file_writes(wclient, tmp_path):
    path = tmp_path / "sub.bin"
    with objectfs.open(path, "wb", client=wclient) as f:
        f.write(b"local")
        assert not path.exists()
    assert path.read_bytes() == b"local"
    with pytest.raises(FileExistsError):
        objectfs.open(str(path), "xb", client=wclient)


# -- torch ------------------------------------------------------------------------

def test_torch_save_and_load(wclient, s3, prefix):
    state = {"w": torch.randn(300, 200), "b": torch.arange(7), "step": 12,
             "nested": {"h": torch.ones(3, dtype=torch.float16)}}
    uri = s3uri(prefix + "ckpt.pt")
    with objectfs.open(uri, "wb", client=wclient) as f:
        torch.save(state, f)
    # The one-liner: torch.save flushes when done and never closes.
    one_liner = s3uri(prefix + "ckpt-one-liner.pt")
    torch.save(state, objectfs.open(one_liner, "wb", client=wclient))
    gc.collect()
    for loaded in (torch.load(objectfs.open(uri, "rb", client=wclient)),
                   torch.load(io.BytesIO(fetch(s3, prefix + "ckpt.pt"))),
                   torch.load(objectfs.open(one_liner, "rb", client=wclient))):
        assert loaded["step"] == 12
        assert torch.equal(loaded["w"], state["w"]) and torch.equal(loaded["b"], state["b"])
        assert torch.equal(loaded["nested"]["h"], state["nested"]["h"])


# -- safetensors.save_file to S3 ---------------------------------------------------

def parse_safetensors(blob):
    """An independent reader: {name: (dtype, shape, raw bytes)}, metadata."""
    (length,) = struct.unpack("<Q", blob[:8])
    assert length % 8 == 0
    header = json.loads(blob[8:8 + length].decode("utf-8"))
    metadata = header.pop("__metadata__", None)
    data = blob[8 + length:]
    out, end = {}, 0
    for name, spec in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"]):
        begin, stop = spec["data_offsets"]
        assert begin == end, f"{name}: hole or overlap"
        out[name] = (spec["dtype"], tuple(spec["shape"]), data[begin:stop])
        end = stop
    assert end == len(data)
    return out, metadata


def test_save_file_to_s3_loads_with_load_file_and_an_independent_reader(wclient, s3, prefix):
    tensors = {
        "emb": torch.randn(1000, 64), "half": torch.randn(17, 3).to(torch.float16),
        "bf": torch.randn(33).to(torch.bfloat16), "ids": torch.arange(11, dtype=torch.int64),
        "mask": torch.tensor([True, False, True]), "scalar": torch.tensor(3.5, dtype=torch.float64),
        "empty": torch.empty(0, 4), "u8": torch.arange(9, dtype=torch.uint8),
    }
    key = prefix + "model.safetensors"
    st.save_file(tensors, s3uri(key), metadata={"format": "pt"}, client=wclient)
    loaded = st.load_file(s3uri(key), client=wclient)
    assert loaded.keys() == tensors.keys()
    for name, tensor in tensors.items():
        assert loaded[name].dtype == tensor.dtype and loaded[name].shape == tensor.shape
        assert torch.equal(loaded[name], tensor), name

    parsed, metadata = parse_safetensors(fetch(s3, key))
    assert metadata == {"format": "pt"}
    names = {"F32": "float32", "F16": "float16", "BF16": "bfloat16", "I64": "int64",
             "BOOL": "bool", "F64": "float64", "U8": "uint8"}
    for name, (dtype, shape, raw) in parsed.items():
        tensor = tensors[name]
        assert getattr(torch, names[dtype]) == tensor.dtype and shape == tuple(tensor.shape)
        expected = tensor.reshape(-1).view(torch.uint8).numpy().tobytes() if tensor.numel() else b""
        assert raw == expected, name

    arrays = {"a": numpy.linspace(0, 1, 12, dtype=numpy.float32).reshape(3, 4),
              "big_endian": numpy.arange(5, dtype=">i4"), "c": numpy.array([1 + 2j], "<c8")}
    st.save_file(arrays, s3uri(prefix + "np.safetensors"), client=wclient)
    back = st.load_file(s3uri(prefix + "np.safetensors"), framework="np", client=wclient)
    for name, array in arrays.items():
        assert numpy.array_equal(back[name], array)
    parsed, _ = parse_safetensors(fetch(s3, prefix + "np.safetensors"))
    assert parsed["big_endian"][2] == numpy.arange(5, dtype="<i4").tobytes()


def test_save_file_streams_tensors_without_copying_them(wclient, s3, prefix):
    tensors = {"a": numpy.ones(12 * MIB, dtype=numpy.uint8), "b": torch.zeros(3 * MIB)}
    key = prefix + "big.safetensors"
    tracemalloc.start()
    try:
        st.save_file(tensors, s3uri(key), client=wclient)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Python allocated next to nothing: the 24 MiB went from the tensors' memory.
    assert peak < 2 * MIB, f"Python-side peak {peak / MIB:.1f} MiB"
    assert s3.head_object(Bucket=BUCKET, Key=key)["ContentLength"] > 24 * MIB


def test_failed_save_file_leaves_no_object(wclient, s3, prefix):
    key = prefix + "bad.safetensors"
    with pytest.raises(ValueError):
        st.save_file({"ok": torch.ones(2), "bad": object()}, s3uri(key), client=wclient)
    assert not exists(s3, key)


# -- rm / cp / put / get -----------------------------------------------------------

def test_rm(wclient, s3, put, prefix):
    uri = put("doomed", b"x")
    objectfs.rm(uri, client=wclient)
    assert not exists(s3, prefix + "doomed")
    with pytest.raises(FileNotFoundError):
        objectfs.rm(uri, client=wclient)


def test_cp_put_get(wclient, s3, put, prefix, tmp_path):
    data = data_of(PART + 123, seed=5)
    local = tmp_path / "local.bin"
    local.write_bytes(data)

    info = objectfs.put(local, s3uri(prefix + "up/"), client=wclient)  # into the prefix
    assert info.size == len(data)
    assert fetch(s3, prefix + "up/local.bin") == data

    objectfs.cp(s3uri(prefix + "up/local.bin"), s3uri(prefix + "copy.bin"), client=wclient)
    assert fetch(s3, prefix + "copy.bin") == data

    objectfs.get(s3uri(prefix + "copy.bin"), tmp_path / "down.bin", client=wclient)
    assert (tmp_path / "down.bin").read_bytes() == data
    (tmp_path / "dir").mkdir()
    objectfs.get(s3uri(prefix + "copy.bin"), str(tmp_path / "dir"), client=wclient)
    assert (tmp_path / "dir" / "copy.bin").read_bytes() == data

    old = put("kept", b"keep me")
    with pytest.raises(FileExistsError):
        objectfs.cp(local, old, no_clobber=True, client=wclient)
    assert fetch(s3, prefix + "kept") == b"keep me"
    with pytest.raises(FileExistsError):
        objectfs.get(old, tmp_path / "down.bin", no_clobber=True, client=wclient)
    with pytest.raises(FileNotFoundError):
        objectfs.put(tmp_path / "missing.bin", s3uri(prefix + "m"), client=wclient)
    with pytest.raises(FileNotFoundError):
        objectfs.get(s3uri(prefix + "missing"), tmp_path / "m", client=wclient)
    with pytest.raises(IsADirectoryError):
        objectfs.put(tmp_path, s3uri(prefix + "d"), client=wclient)
    with pytest.raises(ValueError, match="not a local path"):
        objectfs.put(s3uri(prefix + "copy.bin"), s3uri(prefix + "x"), client=wclient)


def test_uploads_lists_and_aborts_a_leftover(wclient, prefix):
    uri = s3uri(prefix + "left")
    f = objectfs.open(uri, "wb", client=wclient)
    f.write(data_of(PART + 1))  # the first part starts a multipart upload
    pending = []
    for _ in range(50):
        pending = wclient.uploads(s3uri(prefix))
        if pending:
            break
        time.sleep(0.1)
    assert [u["key"] for u in pending] == [prefix + "left"]
    assert pending[0]["started"] > 0
    wclient.abort_upload(uri, pending[0]["upload_id"])
    assert not wclient.uploads(s3uri(prefix))
    with pytest.raises(OSError, match="left"):  # its upload is gone: the commit fails
        f.close()
    assert f.closed


def test_stats_count_uploads_and_deletes(rgw, prefix):
    client = objectfs.Client(**client_options(rgw))
    with objectfs.open(s3uri(prefix + "s"), "wb", client=client) as f:
        f.write(b"12345")
    objectfs.rm(s3uri(prefix + "s"), client=client)
    stats = client.stats()
    assert stats["put_requests"] >= 1 and stats["bytes_uploaded"] == 5
    assert stats["delete_requests"] == 1


def test_warning_free_close_paths(wclient, prefix):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with objectfs.open(s3uri(prefix + "w"), "wb", client=wclient) as f:
            f.write(b"x")
        g = objectfs.open(s3uri(prefix + "w2"), "wb", client=wclient)
        g.abort()
        del f, g
        gc.collect()
