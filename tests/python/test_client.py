"""objectfs.Client, open/ls/stat and the io file object against a real Ceph RGW;
bytes are checked against what boto3 uploaded."""

import hashlib
import io
import os
import socket
import subprocess
import sys
import threading
import time

import numpy
import pytest
import torch

import objectfs
from conftest import BUCKET, client_options, s3uri


def sha256(data):
    return hashlib.sha256(data).hexdigest()


# -- options -------------------------------------------------------------------

def test_options_take_cli_sizes(rgw):
    client = objectfs.Client(**client_options(rgw, part_size="1M", memory_limit="64M",
                                              max_readahead="8MiB", max_parallel_requests=4,
                                              max_attempts=2, connect_timeout=2.5,
                                              read_timeout=10))
    assert client.stat(s3uri("hello.txt")).size == len(b"hello objectfs\n")
    assert "secret" not in repr(client)


@pytest.mark.parametrize("options, message", [
    ({"part_size": "8X"}, "invalid size '8X'"),
    ({"part_size": "1K"}, "part_size must be between 64K and 5G"),
    ({"memory_limit": "1M"}, "memory_limit must be at least twice part_size"),
    ({"max_parallel_requests": 0}, "max_parallel_requests must be between 1 and 1024"),
    ({"max_attempts": 0}, "max_attempts must be at least 1"),
    ({"connect_timeout": 0}, "connect_timeout must be positive"),
    ({"read_timeout": "soon"}, "read_timeout: expected a number of seconds"),
    ({"gcs_anonymous": "maybe"}, "gcs_anonymous: expected true or false, got 'maybe'"),
    ({"gcs_anonymous": 2.5}, "gcs_anonymous: expected True or False"),
    ({"azure_account_name": 5}, "azure_account_name: expected a string"),
    ({"max_attempts": 1.5}, "max_attempts: expected an integer"),
    ({"part_size": "-1"}, "part_size: invalid size '-1'"),
])
def test_bad_option_values_are_value_errors(options, message):
    with pytest.raises(ValueError, match=message):
        objectfs.Client(**options)


def test_unknown_option_is_a_type_error():
    with pytest.raises(TypeError, match="unknown Client option 'endpoint'"):
        objectfs.Client(endpoint="http://x")


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gcs_and_azure_options_reach_their_stores():
    """Each endpoint option is used: the error names the (closed) port it points at."""
    port = closed_port()
    gcs = objectfs.Client(gcs_anonymous=True, gcs_endpoint=f"http://127.0.0.1:{port}",
                          max_attempts=1)
    with pytest.raises(ConnectionError, match=f"127.0.0.1:{port}"):
        gcs.stat("gs://bucket/key")
    emulator = objectfs.Client(gcs_emulator_host=f"127.0.0.1:{port}", max_attempts=1)
    with pytest.raises(ConnectionError, match=f"127.0.0.1:{port}"):
        emulator.stat("gs://bucket/key")
    key = "c2VjcmV0LWtleQ=="
    azure = objectfs.Client(azure_account_name="acct", azure_account_key=key,
                            azure_blob_endpoint=f"http://127.0.0.1:{port}/acct", max_attempts=1)
    with pytest.raises(ConnectionError, match=f"127.0.0.1:{port}"):
        azure.stat("az://container/blob")
    assert key not in repr(azure)
    # The Azure CLI spellings are accepted too.
    objectfs.Client(account_name="acct", sas_token="sv=1&sig=x", blob_endpoint="http://h/acct",
                    connection_string="", azure_anonymous=False)


def test_option_schema_lists_every_kwarg():
    names = {info["name"] for info in objectfs.option_schema()}
    assert {"gcs_anonymous", "gcs_endpoint", "azure_account_name", "part_size",
            "cache_dir"} <= names
    for name in names:  # every listed option is a kwarg
        objectfs.Client(**{name: None})


def test_config_file_and_keyword_arguments_win_over_it(rgw, tmp_path):
    config = tmp_path / "objectfs.yaml"
    config.write_text(f"endpoint_url: http://127.0.0.1:{closed_port()}\nmax_attempts: 1\n"
                      "region: us-east-1\n")
    options = client_options(rgw)
    with pytest.raises(ConnectionError):
        objectfs.Client(config=str(config), **{k: v for k, v in options.items()
                                               if k != "endpoint_url"}).stat(s3uri("hello.txt"))
    client = objectfs.Client(config=config, **options)  # endpoint_url= wins over the file
    assert client.stat(s3uri("hello.txt")).size == len(b"hello objectfs\n")
    config.write_text("part_size: 16M\nbogus: 1\n")
    with pytest.raises(ValueError, match=f"config file {config}, line 2: unknown option 'bogus'"):
        objectfs.Client(config=config)


def test_default_client_comes_from_the_environment(rgw, tmp_path):
    env = {"PATH": os.environ.get("PATH", "/usr/bin"), "HOME": str(tmp_path),
           "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
           "AWS_ACCESS_KEY_ID": rgw["RGW_ACCESS_KEY"],
           "AWS_SECRET_ACCESS_KEY": rgw["RGW_SECRET_KEY"],
           "AWS_ENDPOINT_URL": rgw["RGW_ENDPOINT"], "AWS_REGION": "us-east-1",
           "AWS_EC2_METADATA_DISABLED": "true"}
    # Sanitizer builds load their runtime this way (see tests/CMakeLists.txt).
    env.update({k: v for k, v in os.environ.items() if k in ("LD_PRELOAD", "ASAN_OPTIONS")})
    code = ("import objectfs; "
            f"print(objectfs.open('{s3uri('hello.txt')}').read().decode(), end=''); "
            "assert objectfs.default_client() is objectfs.default_client()")
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == b"hello objectfs\n"


# -- stat / ls -------------------------------------------------------------------

def test_stat_matches_boto3(client, rgw):
    entry = rgw["manifest"]["dir/sub/b.bin"]
    info = objectfs.stat(s3uri("dir/sub/b.bin"), client=client)
    assert (info.key, info.size, info.etag) == ("dir/sub/b.bin", entry["size"], entry["etag"])
    assert abs(info.mtime - time.time()) < 24 * 3600


def test_ls_one_level_recursive_and_detail(client, rgw):
    top = client.ls(s3uri("dir/"))
    assert "dir/sub/" in top and "dir/a.bin" in top and "dir/sub/b.bin" not in top
    deep = client.ls(s3uri("dir/"), recursive=True)
    assert "dir/sub/b.bin" in deep and not any(e.endswith("/") for e in deep)
    detail = {e.key: e for e in client.ls(s3uri("dir/"), detail=True) if not isinstance(e, str)}
    assert detail["dir/a.bin"].size == rgw["manifest"]["dir/a.bin"]["size"]


def test_ls_follows_pages(client):
    keys = objectfs.ls(s3uri("many/"), client=client)
    assert len(keys) == 1100 and keys == sorted(keys)


# -- reading -----------------------------------------------------------------------

def test_read_seek_tell_and_io_conventions(client, rgw):
    entry = rgw["manifest"]["dir/sub/b.bin"]
    with open(entry["file"], "rb") as f:
        expected = f.read()
    with objectfs.open(s3uri("dir/sub/b.bin"), "rb", client=client) as f:
        assert isinstance(f, io.RawIOBase)
        assert f.readable() and f.seekable() and not f.writable()
        assert f.size == len(expected) and f.name == s3uri("dir/sub/b.bin")
        assert f.read(10) == expected[:10] and f.tell() == 10
        assert f.seek(-17, io.SEEK_END) == len(expected) - 17
        assert f.read() == expected[-17:]
        assert f.read(5) == b"" and f.readinto(bytearray(4)) == 0
        assert f.seek(1000) == 1000 and f.seek(24, io.SEEK_CUR) == 1024
        assert f.read(100_000) == expected[1024:101_024]
        assert f.pread(5, 7) == expected[5:12] and f.tell() == 101_024
        f.seek(0)
        assert sha256(f.read()) == entry["sha256"]
        with pytest.raises(ValueError, match="negative"):
            f.seek(-1)
    assert f.closed
    with pytest.raises(ValueError):
        f.read(1)


def test_readinto_bytearray_memoryview_and_numpy_without_copies(client, rgw):
    entry = rgw["manifest"]["dir/a.bin"]
    with open(entry["file"], "rb") as f:
        expected = f.read()
    with objectfs.open(s3uri("dir/a.bin"), client=client) as f:
        array = numpy.zeros(len(expected) // 4, dtype=numpy.float32)
        address = array.ctypes.data
        assert f.readinto(array) == len(expected)
        # The same memory was filled in place: no temporary, no reallocation.
        assert array.ctypes.data == address
        assert array.tobytes() == expected

        block = bytearray(4096)
        view = memoryview(block)[100:300]
        assert f.pread_into(1000, view) == 200
        assert bytes(block[100:300]) == expected[1000:1200] and block[:100] == bytes(100)

        f.seek(len(expected) - 10)
        assert f.readinto(memoryview(bytearray(64))) == 10

        with pytest.raises((BufferError, ValueError), match="contiguous"):
            f.readinto(numpy.zeros((4, 4), dtype=numpy.uint8)[:, 1])
        with pytest.raises((BufferError, TypeError)):
            f.readinto(b"read-only")


def test_buffered_reader_and_readline(client, put):
    text = b"".join(b"line %d\n" % i for i in range(20000))
    uri = put("lines.txt", text)
    with objectfs.open(uri, client=client) as f:
        assert f.readline() == b"line 0\n"
        assert f.readlines()[-1] == b"line 19999\n"
    with io.BufferedReader(objectfs.open(uri, client=client)) as f:
        assert f.peek(4)[:4] == b"line" and list(f)[1] == b"line 1\n"
    with io.TextIOWrapper(io.BufferedReader(objectfs.open(uri, client=client))) as f:
        assert f.read().splitlines()[12345] == "line 12345"


def test_torch_load_and_numpy_load_through_objectfs_open(client, put, tmp_path):
    state = {"weight": torch.arange(12, dtype=torch.float32).reshape(3, 4),
             "bias": torch.tensor([1.5, -2.0], dtype=torch.bfloat16),
             "step": 7, "nested": {"ids": torch.arange(100_000)}}
    torch.save(state, tmp_path / "ckpt.pt")
    uri = put("ckpt.pt", (tmp_path / "ckpt.pt").read_bytes())
    with objectfs.open(uri, client=client) as f:
        loaded = torch.load(f)
    assert loaded["step"] == 7
    assert torch.equal(loaded["weight"], state["weight"])
    assert torch.equal(loaded["bias"], state["bias"])
    assert torch.equal(loaded["nested"]["ids"], state["nested"]["ids"])

    array = numpy.random.default_rng(1).standard_normal((300, 70))
    numpy.save(tmp_path / "a.npy", array)
    uri = put("a.npy", (tmp_path / "a.npy").read_bytes())
    with objectfs.open(uri, client=client) as f:
        assert numpy.array_equal(numpy.load(f), array)


def test_reads_release_the_gil(client, rgw):
    """A second Python thread keeps running while a 40 MiB read is in flight,
    and two threads read one file concurrently with the right bytes."""
    entry = rgw["manifest"]["big.bin"]
    with objectfs.open(s3uri("big.bin"), client=client) as f:
        buffer = numpy.empty(f.size, dtype=numpy.uint8)
        read_window = []

        def read():
            start = time.monotonic()
            f.pread_into(0, buffer)
            read_window.extend([start, time.monotonic()])

        reader = threading.Thread(target=read)
        ticks = []
        interval = sys.getswitchinterval()
        sys.setswitchinterval(0.001)
        try:
            reader.start()
            while reader.is_alive():
                ticks.append(time.monotonic())
            reader.join()
        finally:
            sys.setswitchinterval(interval)
        assert sha256(buffer.tobytes()) == entry["sha256"]
        # A read holding the GIL would stop this thread for the whole read; the
        # first and last quarters leave room for the Python code around the call.
        start, end = read_window
        quarter = (end - start) / 4
        during = sum(1 for t in ticks if start + quarter < t < end - quarter)
        assert end - start > 0.01 and during > 1000, (during, end - start)

        halves = [None, None]
        half = f.size // 2

        def read_half(i):
            halves[i] = f.pread(i * half, half if i == 0 else f.size - half)

        threads = [threading.Thread(target=read_half, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sha256(halves[0] + halves[1]) == entry["sha256"]


# -- errors ---------------------------------------------------------------------------

def test_missing_key_is_file_not_found_with_uri(client):
    uri = s3uri("no/such/key")
    with pytest.raises(FileNotFoundError) as e:
        objectfs.open(uri, client=client)
    assert uri in str(e.value) and "NoSuchKey" in str(e.value)
    with pytest.raises(FileNotFoundError, match="objectfs-missing-bucket"):
        client.stat("s3://objectfs-missing-bucket/x")


def test_wrong_secret_is_permission_error_without_the_secret(rgw):
    bad = objectfs.Client(**client_options(rgw, aws_secret_access_key="wrong-secret-123",
                                           max_attempts=1))
    with pytest.raises(PermissionError) as e:
        bad.stat(s3uri("hello.txt"))
    assert s3uri("hello.txt") in str(e.value)
    assert "wrong-secret-123" not in str(e.value)


def test_changed_object_is_object_changed_error(client, s3, put, prefix):
    uri = put("changing.bin", os.urandom(1 << 20))
    with objectfs.open(uri, client=client) as f:
        s3.put_object(Bucket=BUCKET, Key=prefix + "changing.bin", Body=os.urandom(1 << 20))
        with pytest.raises(objectfs.ObjectChangedError) as e:
            f.pread(0, 1 << 20)
    assert isinstance(e.value, OSError) and uri in str(e.value)


def test_bad_uris_and_unreachable_endpoints(rgw):
    client = objectfs.Client(**client_options(rgw))
    with pytest.raises(ValueError, match="unknown scheme|not supported|scheme"):
        client.stat("ftp://bucket/key")
    with pytest.raises(ValueError, match="mode"):
        client.open(s3uri("hello.txt"), "w")
    down = objectfs.Client(**client_options(rgw, endpoint_url="http://127.0.0.1:1",
                                            max_attempts=1, connect_timeout=1))
    with pytest.raises(ConnectionError, match="127.0.0.1:1|s3://"):
        down.stat(s3uri("hello.txt"))


def test_local_paths_work_too(tmp_path):
    (tmp_path / "local.bin").write_bytes(b"local bytes")
    with objectfs.open(str(tmp_path / "local.bin")) as f:
        assert f.read() == b"local bytes"
    with pytest.raises(FileNotFoundError):
        objectfs.stat(tmp_path / "missing")


# -- disk cache ----------------------------------------------------------------

def test_disk_cache_serves_a_second_client_without_gets(rgw, tmp_path):
    cache = tmp_path / "cache"
    first = objectfs.Client(**client_options(rgw, cache_dir=cache, cache_size="1G"))
    with first.open(s3uri("big.bin")) as f:
        data = f.read()
    assert first.stats()["disk_bytes_written"] >= len(data) > 0
    assert oct(os.stat(cache).st_mode & 0o777) == "0o700"
    second = objectfs.Client(**client_options(rgw, cache_dir=str(cache)))
    with second.open(s3uri("big.bin")) as f:
        assert sha256(f.read()) == sha256(data)
    stats = second.stats()
    assert stats["get_requests"] == 0 and stats["disk_hits"] > 0, stats
