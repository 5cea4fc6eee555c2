"""objectfs.safetensors against a real Ceph RGW: round trips of every dtype
and shape (written by save_file and by an independent minimal writer below),
lazy access, sharded models, and every malformed header refused with a clear
ValueError."""

import json
import struct
import time

import numpy
import pytest
import torch

import objectfs
from conftest import client_options
from objectfs import safetensors as st

# dtype -> (numpy dtype or None, torch dtype name or None in this torch)
DTYPES = {
    "BOOL": ("bool", "bool"), "U8": ("uint8", "uint8"), "I8": ("int8", "int8"),
    "I16": ("<i2", "int16"), "U16": ("<u2", "uint16"), "F16": ("<f2", "float16"),
    "BF16": (None, "bfloat16"), "I32": ("<i4", "int32"), "U32": ("<u4", "uint32"),
    "F32": ("<f4", "float32"), "C64": ("<c8", "complex64"), "F64": ("<f8", "float64"),
    "I64": ("<i8", "int64"), "U64": ("<u8", "uint64"), "F8_E4M3": (None, "float8_e4m3fn"),
    "F8_E5M2": (None, "float8_e5m2"), "F8_E8M0": (None, "float8_e8m0fnu"),
}
ITEMSIZE = {"BOOL": 1, "U8": 1, "I8": 1, "I16": 2, "U16": 2, "F16": 2, "BF16": 2, "I32": 4,
            "U32": 4, "F32": 4, "C64": 8, "F64": 8, "I64": 8, "U64": 8, "F8_E4M3": 1,
            "F8_E5M2": 1, "F8_E8M0": 1}
SHAPES = [(), (0,), (3, 0, 2), (7,), (2, 3), (4, 1, 5)]


def torch_dtype(name):
    return getattr(torch, DTYPES[name][1], None)


def tensor_bytes(tensor):
    return tensor.reshape(-1).view(torch.uint8).numpy().tobytes() if tensor.numel() else b""


def write_minimal(tensors, metadata=None, order=None, pad=b" "):
    """An independent safetensors writer: {name: (dtype, shape, raw bytes)} in
    the given order, header padded to 8 bytes."""
    header, blobs, offset = {}, [], 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name in order or tensors:
        dtype, shape, raw = tensors[name]
        header[name] = {"dtype": dtype, "shape": list(shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    text += pad * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def raw_header(text, data=b""):
    text = text.encode() if isinstance(text, str) else text
    return struct.pack("<Q", len(text)) + text + data


def pattern(name, shape):
    """Deterministic bytes for a tensor: values valid for every dtype (bool 0/1)."""
    count = int(numpy.prod(shape, dtype=numpy.int64))
    nbytes = count * ITEMSIZE[name]
    raw = (numpy.arange(nbytes, dtype=numpy.uint32) * 37 % 251).astype(numpy.uint8)
    if name == "BOOL":
        raw = raw % 2
    if name in ("F16", "BF16", "F32", "F64", "C64"):
        raw[ITEMSIZE[name] - 1::ITEMSIZE[name]] &= 0x3F  # keep exponents finite
    return raw.tobytes()


@pytest.fixture(scope="module")
def every_dtype_object(s3):
    """One object with every dtype in every shape, by the independent writer."""
    tensors = {f"{name}/{'x'.join(map(str, shape)) or 'scalar'}": (name, shape, pattern(name, shape))
               for name in DTYPES for shape in SHAPES}
    key = "python/every-dtype.safetensors"
    s3.put_object(Bucket="objectfs-test", Key=key,
                  Body=write_minimal(tensors, metadata={"format": "pt", "by": "test"},
                                     order=sorted(tensors, reverse=True)))
    return f"s3://objectfs-test/{key}", tensors


def test_every_dtype_and_shape_loads_with_torch(client, every_dtype_object):
    uri, expected = every_dtype_object
    loaded = st.load_file(uri, framework="pt", client=client) if all(
        torch_dtype(d) for d in DTYPES) else None
    if loaded is None:
        # This torch lacks some dtypes: those are refused up front, by name.
        with pytest.raises(ValueError, match="does not support"):
            st.load_file(uri, client=client)
    with st.safe_open(uri, framework="pt", client=client) as f:
        assert f.keys() == sorted(expected)
        assert f.metadata() == {"format": "pt", "by": "test"}
        checked = 0
        for name, (dtype, shape, raw) in expected.items():
            if torch_dtype(dtype) is None:
                with pytest.raises(ValueError, match=f"dtype {dtype}.*torch"):
                    f.get_tensor(name)
                continue
            tensor = f.get_tensor(name)
            assert tensor.dtype == torch_dtype(dtype) and tuple(tensor.shape) == shape, name
            assert tensor_bytes(tensor) == raw, name
            checked += 1
        assert checked >= 11 * len(SHAPES)


def test_every_dtype_and_shape_loads_with_numpy(client, every_dtype_object):
    uri, expected = every_dtype_object
    with pytest.raises(ValueError, match="has dtype (BF16|F8_E4M3|F8_E5M2|F8_E8M0), which numpy cannot represent"):
        st.load_file(uri, framework="np", client=client)
    with st.safe_open(uri, framework="np", client=client) as f:
        for name, (dtype, shape, raw) in expected.items():
            if DTYPES[dtype][0] is None:
                with pytest.raises(ValueError, match="numpy cannot represent"):
                    f.get_tensor(name)
                continue
            array = f.get_tensor(name)
            assert array.dtype == numpy.dtype(DTYPES[dtype][0]) and array.shape == shape
            assert array.tobytes() == raw, name


def test_save_file_round_trip_torch_and_numpy(client, put, tmp_path):
    tensors = {}
    for name in DTYPES:
        dtype = torch_dtype(name)
        if dtype is None:
            continue
        for shape in SHAPES:
            raw = numpy.frombuffer(pattern(name, shape), dtype=numpy.uint8)
            tensors[f"{name}{shape}"] = (torch.from_numpy(raw.copy()).view(dtype).reshape(shape)
                                         if raw.size else torch.empty(shape, dtype=dtype))
    path = tmp_path / "saved.safetensors"
    st.save_file(tensors, path, metadata={"note": "round trip"})
    uri = put("saved.safetensors", path.read_bytes())
    loaded = st.load_file(uri, client=client)
    assert loaded.keys() == tensors.keys()
    for name, tensor in tensors.items():
        assert loaded[name].dtype == tensor.dtype and loaded[name].shape == tensor.shape
        assert tensor_bytes(loaded[name]) == tensor_bytes(tensor), name

    arrays = {"f": numpy.linspace(0, 1, 12, dtype=numpy.float32).reshape(3, 4),
              "big_endian": numpy.arange(5, dtype=">i4"), "scalar": numpy.array(2.5),
              "numpy_scalar": numpy.int64(-3),
              "flags": numpy.array([True, False, True]), "empty": numpy.zeros((0, 3), numpy.int16)}
    st.save_file(arrays, tmp_path / "np.safetensors")
    uri = put("np.safetensors", (tmp_path / "np.safetensors").read_bytes())
    loaded = st.load_file(uri, framework="np", client=client)
    for name, array in arrays.items():
        assert numpy.array_equal(loaded[name], array) and loaded[name].shape == numpy.shape(array)


def test_load_file_is_one_buffer_of_views_and_header_takes_one_request(client, put, tmp_path):
    tensors = {f"layer{i}.weight": torch.randn(64, 33) for i in range(50)}
    tensors["tiny"] = torch.tensor([1], dtype=torch.int8)
    st.save_file(tensors, tmp_path / "m.safetensors")
    uri = put("m.safetensors", (tmp_path / "m.safetensors").read_bytes())
    before = client.stats()
    loaded = st.load_file(uri, client=client)
    after = client.stats()
    # HEAD at open; one GET for the header; the data region in part-sized GETs.
    assert after["head_requests"] - before["head_requests"] == 1
    assert after["get_requests"] - before["get_requests"] == 2
    for name, tensor in tensors.items():
        assert torch.equal(loaded[name], tensor), name
    # Views of one buffer: consecutive tensors are adjacent in memory.
    first, second = loaded["layer0.weight"], loaded["layer1.weight"]
    assert second.data_ptr() - first.data_ptr() in (first.numel() * 4, -first.numel() * 4)
    # The buffer outlives the dict that held the views.
    keep = loaded["layer7.weight"]
    del loaded, first, second
    assert torch.equal(keep, tensors["layer7.weight"])


def test_data_region_arrives_in_parallel_parts(rgw, put, tmp_path):
    client = objectfs.Client(**client_options(rgw, part_size="1M", max_parallel_requests=8))
    tensors = {f"w{i:02d}": torch.randn(1000, 256) for i in range(24)}  # ~23 MiB
    tensors["b"] = torch.arange(7, dtype=torch.int16)
    st.save_file(tensors, tmp_path / "big.safetensors")
    uri = put("big.safetensors", (tmp_path / "big.safetensors").read_bytes())
    loaded = st.load_file(uri, client=client)
    assert client.stats()["get_requests"] >= 24
    for name, tensor in tensors.items():
        assert torch.equal(loaded[name], tensor), name


def test_large_header_takes_two_requests(client, put, tmp_path):
    tensors = {f"t{i:05d}." + "n" * 40: torch.tensor([i], dtype=torch.int32) for i in range(4000)}
    st.save_file(tensors, tmp_path / "wide.safetensors")
    uri = put("wide.safetensors", (tmp_path / "wide.safetensors").read_bytes())
    before = client.stats()["get_requests"]
    with st.safe_open(uri, client=client) as f:
        assert client.stats()["get_requests"] - before == 2
        assert f.get_tensor("t01234." + "n" * 40).item() == 1234


def test_get_slice_reads_rows(client, put, tmp_path):
    weight = torch.arange(10 * 6, dtype=torch.float32).reshape(10, 6)
    st.save_file({"w": weight, "s": torch.tensor(1.0)}, tmp_path / "s.safetensors")
    uri = put("s.safetensors", (tmp_path / "s.safetensors").read_bytes())
    with st.safe_open(uri, "pt", client=client) as f:
        part = f.get_slice("w")
        assert part.get_shape() == [10, 6] and part.get_dtype() == "F32"
        assert torch.equal(part[2:5], weight[2:5])
        assert torch.equal(part[3], weight[3])
        assert torch.equal(part[-1, 2:4], weight[-1, 2:4])
        assert torch.equal(part[:, 1], weight[:, 1])
        assert torch.equal(part[::3], weight[::3])
        assert torch.equal(part[8:100], weight[8:100])
        assert f.get_slice("s")[()] == 1.0
        with pytest.raises(IndexError):
            part[10]
        with pytest.raises(KeyError, match="no tensor 'nope'"):
            f.get_tensor("nope")


def test_load_model_follows_the_index_and_loads_shards(client, put, tmp_path, prefix):
    shards = {"model-00001-of-00002.safetensors": {"a": torch.ones(4), "b": torch.zeros(2, 2)},
              "model-00002-of-00002.safetensors": {"c": torch.arange(3)}}
    weight_map = {}
    for shard, tensors in shards.items():
        st.save_file(tensors, tmp_path / shard)
        put(shard, (tmp_path / shard).read_bytes())
        weight_map.update({name: shard for name in tensors})
    put("model.safetensors.index.json", json.dumps({"metadata": {}, "weight_map": weight_map}))
    base = f"s3://objectfs-test/{prefix}"
    for uri in (base, base.rstrip("/"), base + "model.safetensors.index.json"):
        model = st.load_model(uri, client=client)
        assert sorted(model) == ["a", "b", "c"] and torch.equal(model["c"], torch.arange(3))

    weight_map["missing"] = "model-00002-of-00002.safetensors"
    put("bad/model.safetensors.index.json", json.dumps({"weight_map": weight_map}))
    for shard in shards:
        put("bad/" + shard, (tmp_path / shard).read_bytes())
    with pytest.raises(ValueError, match="puts 'missing' in 'model-00002-of-00002"):
        st.load_model(base + "bad/", client=client)
    put("evil/model.safetensors.index.json", json.dumps({"weight_map": {"a": "../x"}}))
    with pytest.raises(ValueError, match="invalid shard '../x'"):
        st.load_model(base + "evil/", client=client)
    # The library's rules, the ones its shard warming follows: a plain name.
    put("sub/model.safetensors.index.json", json.dumps({"weight_map": {"a": "d/a.safetensors"}}))
    with pytest.raises(ValueError, match="tensor 'a' names an invalid shard 'd/a.safetensors'"):
        st.load_model(base + "sub/", client=client)
    put("garbled/model.safetensors.index.json", b"{\"weight_map\": \xff")
    with pytest.raises(ValueError, match="garbled/model.safetensors.index.json': not valid JSON"):
        st.load_model(base + "garbled/", client=client)
    with pytest.raises(FileNotFoundError, match="neither model.safetensors.index.json"):
        st.load_model(base + "nothing-here/", client=client)

    st.save_file({"only": torch.ones(2)}, tmp_path / "model.safetensors")
    put("single/model.safetensors", (tmp_path / "model.safetensors").read_bytes())
    assert list(st.load_model(base + "single", client=client)) == ["only"]


def test_reading_an_index_fetches_the_shard_headers_before_they_are_opened(rgw, put, tmp_path):
    """A read of model.safetensors.index.json starts, in the background, a HEAD
    and a fetch of the first MiB of each shard it names: the loader's header
    read of a shard is then served from the cache."""
    names = [f"model-0000{i}-of-00003.safetensors" for i in (1, 2, 3)]
    weight_map = {}
    for i, shard in enumerate(names):
        st.save_file({f"w{i}": torch.full((3 << 18,), float(i))}, tmp_path / shard)  # 3 MiB
        put(shard, (tmp_path / shard).read_bytes())
        weight_map[f"w{i}"] = shard
    index = put("model.safetensors.index.json", json.dumps({"weight_map": weight_map}))
    base = index.rsplit("/", 1)[0] + "/"
    client = objectfs.Client(**client_options(rgw))  # fresh: nothing cached, nothing warmed
    with objectfs.open(index, client=client) as f:
        assert json.loads(f.read())["weight_map"] == weight_map
    for _ in range(500):
        stats = client.stats()
        if stats["head_requests"] >= 1 + len(names) and stats["prefetch_bytes"] >= 3 << 20:
            break
        time.sleep(0.01)
    assert stats["head_requests"] == 1 + len(names), stats
    assert stats["prefetch_bytes"] >= len(names) << 20, stats  # a head of each shard
    time.sleep(0.2)  # the heads' GETs land
    before = client.stats()
    with st.safe_open(base + names[1], framework="pt", client=client) as f:
        assert f.keys() == ["w1"]
    after = client.stats()
    assert after["get_requests"] == before["get_requests"], (before, after)
    assert after["head_requests"] == before["head_requests"] + 1  # the open's own


def test_device_and_framework_errors(client, put, tmp_path):
    st.save_file({"a": torch.ones(2)}, tmp_path / "d.safetensors")
    uri = put("d.safetensors", (tmp_path / "d.safetensors").read_bytes())
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="torch sees no CUDA GPU"):
            st.load_file(uri, device="cuda", client=client)
    else:
        assert st.load_file(uri, device="cuda", client=client)["a"].is_cuda
    with pytest.raises(ValueError, match="framework must be 'pt' or 'np'"):
        st.load_file(uri, framework="jax", client=client)
    with pytest.raises(ValueError, match="CPU only"):
        st.load_file(uri, framework="np", device="cuda", client=client)
    with pytest.raises(ValueError, match="metadata"):
        st.save_file({"a": torch.ones(1)}, tmp_path / "m.safetensors", metadata={"n": 1})
    with pytest.raises(FileNotFoundError, match="no/such.safetensors"):
        st.load_file("s3://objectfs-test/no/such.safetensors", client=client)


GOOD = '{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}'

MALFORMED = {
    "header_too_large": (struct.pack("<Q", 100_000_001) + b"{}" + bytes(64),
                         "exceeds the limit of 100000000 bytes"),
    "header_past_end": (struct.pack("<Q", 500) + b'{"a":1}', "runs past the end of the object"),
    "shorter_than_8_bytes": (b"\x01\x00", "fewer than the 8-byte header length"),
    "not_starting_with_brace": (raw_header(" " + GOOD, b"abcd"), "does not start with '{'"),
    "not_json": (raw_header('{"a":{"dtype":', b""), "malformed JSON"),
    "unknown_dtype": (raw_header(GOOD.replace("U8", "F128"), b"abcd"), "unknown dtype 'F128'"),
    "shape_size_mismatch": (raw_header(GOOD.replace("[4]", "[5]"), b"abcd"),
                            "needs 5 bytes but data_offsets \\[0, 4\\] hold 4"),
    "shape_overflow": (raw_header('{"a":{"dtype":"F64","shape":[4294967296,4294967296],'
                                  '"data_offsets":[0,0]}}'), "overflows 64-bit"),
    "negative_dim": (raw_header(GOOD.replace("[4]", "[-4]"), b"abcd"), "non-negative integers"),
    "overlapping": (raw_header('{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},'
                               '"b":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}}', bytes(6)),
                    "overlap tensor 'a'"),
    "out_of_order_with_hole": (raw_header('{"b":{"dtype":"U8","shape":[2],"data_offsets":[6,8]},'
                                          '"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}',
                                          bytes(8)),
                               "bytes \\[4, 6\\) of the data region belong to no tensor"),
    "offsets_out_of_range": (raw_header(GOOD, b"ab"), "run past the end of the data region"),
    "offsets_reversed": (raw_header(GOOD.replace("[0,4]", "[4,0]"), b"abcd"),
                         "end before they begin"),
    "duplicate_names": (raw_header('{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},'
                                   '"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}', b"ab"),
                        "duplicate key 'a'"),
    "metadata_not_string": (raw_header('{"__metadata__":{"n":1},' + GOOD[1:], b"abcd"),
                            "__metadata__ value of 'n' is number, not a string"),
    "data_not_ending_at_object_end": (raw_header(GOOD, b"abcdef"),
                                      "the data region must end at the object's end"),
    "entry_not_object": (raw_header('{"a":[0,4]}'), "tensor 'a' must be an object"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_headers_are_value_errors(client, put, case):
    data, message = MALFORMED[case]
    uri = put(case + ".safetensors", data)
    for load in (lambda: st.load_file(uri, client=client),
                 lambda: st.safe_open(uri, "np", client=client),
                 lambda: st.load_model(uri, client=client)):
        with pytest.raises(ValueError, match=message) as e:
            load()
        assert uri in str(e.value) and "invalid safetensors header" in str(e.value)


def test_the_valid_base_case_of_the_malformed_ones_loads(client, put):
    uri = put("good.safetensors", raw_header(GOOD, b"abcd"))
    assert bytes(st.load_file(uri, framework="np", client=client)["a"]) == b"abcd"
