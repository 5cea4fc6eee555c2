"""The same assertions for every store (see README.md): stat, full and ranged
reads, zero-byte objects, awkward keys, missing objects, listings and
permission errors, all through the objectfs CLI."""

import hashlib

import pytest

from conftest import MANY, long_key

AWKWARD_KEYS = [
    "space name.txt",
    "plus+sign.txt",
    "percent%20.txt",
    "unicod\u00e9/\u043a\u043b\u044e\u0447/\u6587\u4ef6.txt",
    long_key(),
]
SAMPLE_KEYS = ["hello.txt", "dir/a.bin", "dir/sub/b.bin"]


def stat(backend, key):
    out = backend.ok("stat", backend.uri(key)).stdout.decode()
    fields = dict(line.split(":", 1) for line in out.splitlines())
    return {k.strip(): v.strip() for k, v in fields.items()}


@pytest.mark.parametrize("key", SAMPLE_KEYS + ["empty"])
def test_stat_size_and_etag(backend, key):
    first = stat(backend, key)
    assert int(first["size"]) == len(backend.data[key])
    assert first["etag"], f"{backend.name}: no ETag for {key}"
    assert stat(backend, key)["etag"] == first["etag"], "ETag changed between two stats"


def test_cp_to_a_local_file(backend, tmp_path):
    key = "dir/sub/b.bin"
    target = tmp_path / "copy.bin"
    backend.ok("--part-size", "1M", "cp", backend.uri(key), str(target))
    assert target.read_bytes() == backend.data[key]


@pytest.mark.parametrize("key", SAMPLE_KEYS)
def test_cat_whole_object(backend, key):
    out = backend.ok("cat", backend.uri(key)).stdout
    assert hashlib.sha256(out).hexdigest() == hashlib.sha256(backend.data[key]).hexdigest()


def test_cat_in_many_small_parts(backend):
    # 64 KiB parts: dozens of ranged GETs in parallel, each checked and pinned.
    key = "dir/sub/b.bin"
    out = backend.ok("--part-size", "64K", "--memory-limit", "1M", "cat", backend.uri(key)).stdout
    assert out == backend.data[key]


@pytest.mark.parametrize("key", ["hello.txt", "dir/sub/b.bin"])
def test_ranges(backend, key):
    data = backend.data[key]
    size = len(data)
    cases = {
        "0-0": data[:1],                                   # first byte
        f"{size - 1}-{size - 1}": data[-1:],               # last byte
        "3-9": data[3:10],                                 # inside
        f"{size - 5}-": data[-5:],                         # open end
        f"{size - 4}-{size + 100}": data[-4:],             # end past the end: clamped
        f"0-{size - 1}": data,                             # everything
    }
    for spec, expected in cases.items():
        out = backend.ok("cat", "--range", spec, backend.uri(key)).stdout
        assert out == expected, f"{backend.name}: --range {spec} of {key}"


@pytest.mark.parametrize("start_offset", [0, 1])
def test_range_starting_past_the_end_is_a_clear_error(backend, start_offset):
    key = "hello.txt"
    start = len(backend.data[key]) + start_offset
    result = backend.run("cat", "--range", f"{start}-{start + 10}", backend.uri(key))
    assert result.returncode == 1
    assert result.stdout == b""
    err = result.stderr.decode()
    assert "out of range" in err and "past the end" in err and "size 15" in err, err


def test_zero_byte_object(backend):
    assert backend.ok("cat", backend.uri("empty")).stdout == b""
    result = backend.run("cat", "--range", "0-0", backend.uri("empty"))
    assert result.returncode == 1 and "past the end" in result.stderr.decode()


@pytest.mark.parametrize("key", AWKWARD_KEYS, ids=["space", "plus", "percent", "unicode", "long"])
def test_awkward_key_names(backend, key):
    assert int(stat(backend, key)["size"]) == len(backend.data[key])
    assert backend.ok("cat", backend.uri(key)).stdout == backend.data[key]


@pytest.mark.requires("dotdot_keys")
def test_literal_dotdot_segment_is_not_normalized(backend):
    key = "dots/../up.txt"
    assert backend.ok("cat", backend.uri(key)).stdout == backend.data[key]
    missing = backend.run("stat", backend.uri("up.txt"))
    assert missing.returncode == 1, "dots/../up.txt was read as up.txt"


@pytest.mark.parametrize("verb", ["stat", "cat"])
def test_missing_object_names_the_key(backend, verb):
    result = backend.run(verb, backend.uri("no/such/key.bin"))
    assert result.returncode == 1
    assert result.stdout == b""
    err = result.stderr.decode()
    assert "not found" in err and "no/such/key.bin" in err, err
    assert len(err.splitlines()) == 1, err


@pytest.mark.requires("list")
def test_ls_one_level(backend):
    assert backend.ls("dir/") == ["dir/sub/", "dir/a.bin", "dir/c.txt"]


@pytest.mark.requires("list")
def test_ls_recursive(backend):
    assert sorted(backend.ls("dir/", "-r")) == ["dir/a.bin", "dir/c.txt", "dir/sub/b.bin"]


@pytest.mark.requires("list")
def test_ls_root(backend):
    entries = backend.ls("")
    for expected in ["dir/", "many/", "long/", "unicod\u00e9/", "hello.txt", "empty",
                     "space name.txt", "plus+sign.txt", "percent%20.txt"]:
        assert expected in entries, f"{backend.name}: {expected!r} missing from {entries}"
    assert not any(e.startswith("many/k") for e in entries)


@pytest.mark.requires("list")
def test_ls_long_format_sizes(backend):
    out = backend.ok("ls", "-l", backend.uri("dir/")).stdout.decode().splitlines()
    sizes = {line.split()[-1].rsplit("/", 1)[-1]: line.split()[0] for line in out}
    assert sizes["a.bin"] == str(len(backend.data["dir/a.bin"]))
    assert sizes["c.txt"] == str(len(backend.data["dir/c.txt"]))


@pytest.mark.requires("list")
@pytest.mark.parametrize("flags", [(), ("-r",)], ids=["delimiter", "recursive"])
def test_ls_more_than_one_page(backend, flags):
    entries = backend.ls("many/", *flags)
    expected = [f"many/k{i:04d}" for i in range(MANY)]
    assert len(entries) == MANY, f"{backend.name}: {len(entries)} entries"
    assert sorted(entries) == expected


@pytest.mark.requires("list")
def test_ls_unicode_prefix(backend):
    key = "unicod\u00e9/\u043a\u043b\u044e\u0447/\u6587\u4ef6.txt"
    assert backend.ls("unicod\u00e9/", "-r") == [key]


@pytest.mark.lacks("list")
def test_ls_without_listing_is_a_clear_error(backend):
    result = backend.run("ls", backend.uri(""))
    assert result.returncode == 1
    assert "listing is not available" in result.stderr.decode()


@pytest.mark.requires("permission_errors")
@pytest.mark.parametrize("verb", ["stat", "cat", "ls"])
def test_wrong_credentials_name_the_source(backend, verb):
    uri = backend.uri("hello.txt" if verb != "ls" else "dir/")
    result = backend.run(verb, uri, env=backend.server.bad_env)
    assert result.returncode == 1
    err = result.stderr.decode()
    assert "permission denied" in err, err
    assert backend.server.bad_env_source in err, err
    for secret in backend.server.bad_env.values():
        if len(secret) >= 16:
            assert secret not in err, "a secret leaked into the error message"
