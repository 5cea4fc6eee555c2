"""Subset reads of safetensors objects: safe_open's get_tensor and get_slice and
load_file(tensors=[...]) fetch only the bytes asked for (the library's planner
coalesces their ranges), counted by the client's bytes_downloaded."""

import random

import numpy
import pytest
import torch

import objectfs
import objectfs.safetensors as st
from conftest import client_options

MIB = 1 << 20


@pytest.fixture
def fresh_client(rgw):
    # A client of its own: bytes_downloaded counts only this test's reads.
    return objectfs.Client(**client_options(rgw, part_size="1M"))


def shuffled_model(tmp_path, count=48, seed=3):
    """Tensors of mixed sizes whose names do not follow their offsets."""
    rng = random.Random(seed)
    tensors = {}
    for i in range(count):
        rows = rng.choice([1, 7, 64, 300, 1024])
        tensors[f"layer.{i:03d}.w"] = torch.randn(rows, rng.choice([3, 64, 256]))
    tensors["bias"] = torch.arange(5, dtype=torch.int16)
    path = tmp_path / "m.safetensors"
    st.save_file(tensors, path)
    return tensors, path


def downloaded(client):
    return client.stats()["bytes_downloaded"]


def test_safe_open_half_the_tensors_fetches_only_their_bytes(fresh_client, put, tmp_path):
    tensors, path = shuffled_model(tmp_path)
    uri = put("m.safetensors", path.read_bytes())
    with st.safe_open(uri, "pt", client=fresh_client) as f:
        after_header = downloaded(fresh_client)
        names = f.keys()[::2]
        asked = 0
        for name in names:
            tensor = f.get_tensor(name)
            assert torch.equal(tensor, tensors[name]), name
            asked += tensor.numel() * tensor.element_size()
        fetched = downloaded(fresh_client) - after_header
    assert asked > 2 * MIB
    assert asked <= fetched <= 1.1 * asked, (fetched, asked)


def test_load_file_subset_fetches_only_those_tensors(rgw, fresh_client, put, tmp_path):
    tensors, path = shuffled_model(tmp_path, seed=5)
    uri = put("m.safetensors", path.read_bytes())
    names = sorted(tensors)[1::3] + ["bias"]
    asked = sum(tensors[n].numel() * tensors[n].element_size() for n in names)
    before = downloaded(fresh_client)
    loaded = st.load_file(uri, client=fresh_client, tensors=names)
    fetched = downloaded(fresh_client) - before
    assert sorted(loaded) == sorted(names)
    for name in names:
        assert torch.equal(loaded[name], tensors[name]), name
    # What the header read costs (its first read is up to 256 KiB), on a client
    # of its own (this one has those bytes cached now).
    other = objectfs.Client(**client_options(rgw, part_size="1M"))
    with st.safe_open(uri, client=other):
        header = downloaded(other)
    assert asked <= fetched - header <= 1.1 * asked, (fetched, header, asked)
    # numpy too, and an unknown name is a KeyError naming it.
    arrays = st.load_file(uri, framework="np", client=fresh_client, tensors=[names[0]])
    assert numpy.array_equal(arrays[names[0]], tensors[names[0]].numpy())
    with pytest.raises(KeyError, match="no tensor 'nope'"):
        st.load_file(uri, client=fresh_client, tensors=[names[0], "nope"])


def test_get_slice_of_columns_fetches_the_columns(fresh_client, put, tmp_path):
    # 64 rows of 256 KiB: 4 KiB of each row are 64 runs too far apart to merge.
    weight = torch.randn(64, 65536)
    st.save_file({"w": weight, "b": torch.ones(3)}, tmp_path / "c.safetensors")
    uri = put("c.safetensors", (tmp_path / "c.safetensors").read_bytes())
    with st.safe_open(uri, "pt", client=fresh_client) as f:
        part = f.get_slice("w")
        before = downloaded(fresh_client)
        got = part[:, 100:1124]
        fetched = downloaded(fresh_client) - before
        assert torch.equal(got, weight[:, 100:1124])
        asked = 64 * 1024 * 4
        assert asked <= fetched <= 1.1 * asked, (fetched, asked)
        # Every kind of basic index gives what torch gives.
        for index in [(slice(2, 5),), 3, (-1, slice(2, 40)), (slice(None), 7),
                      (slice(None, None, 3), slice(10, 2000, 7)), (Ellipsis, 5),
                      (slice(8, 100),), (slice(5, 5),),
                      (2, -3)]:
            assert torch.equal(part[index], weight[index]), index
    with st.safe_open(uri, "np", client=fresh_client) as f:
        arr = f.get_slice("w")[10:12, ::1000]
        assert numpy.array_equal(arr, weight.numpy()[10:12, ::1000])
        # numpy has negative steps (torch has none).
        arr = f.get_slice("w")[50:10:-4, 9::-3]
        assert numpy.array_equal(arr, weight.numpy()[50:10:-4, 9::-3])
        assert f.get_slice("w")[3, 4] == weight[3, 4].item()


def test_safe_open_starts_no_format_prefetch(fresh_client, put, tmp_path):
    tensors, path = shuffled_model(tmp_path, count=8, seed=9)
    uri = put("p.safetensors", path.read_bytes())
    with st.safe_open(uri, "pt", client=fresh_client) as f:
        f.get_tensor(f.keys()[0])
    assert fresh_client.stats()["prefetch_plans"] == 0
    # A plain read of the header is what starts one (the mount's way).
    with fresh_client.open(uri) as raw:
        raw.read(4096)
    assert fresh_client.stats()["prefetch_plans"] == 1
