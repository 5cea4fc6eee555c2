"""The format-aware prefetch through `objectfs mount` against a real Ceph RGW:
tensors of a .safetensors file read in name order (not their byte order), of a
torch.save checkpoint loaded by torch.load and of a GGUF file read in
llama.cpp's order, with a memory budget smaller than the file, are byte-exact
and come from the plan (the daemon's prefetch counters)."""

import json
import mmap
import os
import random
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import BUCKET
from test_mount import mounter, put, unmount  # noqa: F401  (mounter is a fixture)

pytestmark = pytest.mark.skipif(not os.path.exists("/dev/fuse"), reason="no /dev/fuse")

MIB = 1 << 20

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import gguf_model  # noqa: E402  (the bench's GGUF writer and reader)


def write_model(path, count=40, seed=11):
    """U8 tensors of odd sizes whose names are shuffled over the offsets;
    returns the data offset and {name: (begin, end)} (absolute)."""
    rng = random.Random(seed)
    sizes = [rng.randrange(200_000, 700_000) for _ in range(count)]
    names = [f"model.layers.{i:02d}.weight" for i in range(count)]
    rng.shuffle(names)
    header, offset = {"__metadata__": {"format": "pt"}}, 0
    for name, size in zip(names, sizes):
        header[name] = {"dtype": "U8", "shape": [size], "data_offsets": [offset, offset + size]}
        offset += size
    text = json.dumps(header).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text)
        f.write(rng.randbytes(offset))
    data_offset = 8 + len(text)
    return data_offset, {n: (data_offset + b, data_offset + e)
                         for n, (b, e) in ((n, header[n]["data_offsets"]) for n in names)}


def stats_of(log):
    line = [l for l in log.read_text().splitlines() if "stats:" in l][-1]
    line = line[line.index("stats:") + len("stats:"):]  # log lines carry a time prefix
    items = dict(item.split("=", 1) for item in line.split() if "=" in item)
    return {k: int(v) for k, v in items.items() if v.isdigit()}  # counters; the cost is a float


def delete(rgw, key):
    subprocess.run(["/usr/bin/python3", rgw["RGW_FIXTURES_SCRIPT"], rgw["RGW_ENV_FILE"],
                    "delete", BUCKET, key], capture_output=True, timeout=60)


@pytest.fixture
def model(rgw, tmp_path):
    src = tmp_path / "model.safetensors"
    data_offset, tensors = write_model(src)
    key = f"prefetch-{os.getpid()}/model.safetensors"
    put(rgw, key, src)
    yield key, src, tensors
    delete(rgw, key)


def read_by_name(path, tensors, use_mmap=False):
    """Every tensor's bytes in name order, as safetensors loaders read them."""
    out = {}
    with open(path, "rb") as f:
        f.read(4096)  # the header, as the loader parses it
        if use_mmap:
            # Another descriptor, as numpy.memmap(path) opens: another File
            # in the mount, which follows the plan the header read started.
            with open(path, "rb") as g, mmap.mmap(g.fileno(), 0, access=mmap.ACCESS_READ) as m:
                for name in sorted(tensors):
                    begin, end = tensors[name]
                    out[name] = bytes(m[begin:end])
        else:
            for name in sorted(tensors):
                begin, end = tensors[name]
                out[name] = os.pread(f.fileno(), end - begin, begin)
    return out


def assert_planned(stats, size, tensors, use_mmap):
    """One plan fetched most of the data region of a `size`-byte file, about
    once, within the 8 MiB budget."""
    data = size - min(b for b, _ in tensors.values())
    assert stats["prefetch_plans"] == 1, stats
    # Through mmap the kernel's read-around (1 MiB about each fault) brings a
    # tensor's neighbours itself, so less is left for the plan.
    assert stats["prefetch_bytes"] >= (0.5 if use_mmap else 0.7) * data, str(stats)
    # Under the sanitizers the mount runs several times slower than the kernel's
    # read-around faults arrive, so more planned blocks are evicted before use.
    waste = 1.3 if use_mmap and os.environ.get("OBJECTFS_SANITIZED") == "1" else 1.15
    assert stats["bytes_downloaded"] <= waste * size, str(stats)
    assert stats["memory_peak"] <= 8 * MIB, stats


@pytest.mark.parametrize("use_mmap", [False, True], ids=["pread", "mmap"])
def test_name_order_reads_are_exact_and_prefetched(mounter, model, tmp_path, use_mmap):
    key, src, tensors = model
    expected = src.read_bytes()
    # A budget of 8 MiB for a 17 MiB file: the plan runs ahead of the reader.
    mnt, proc = mounter("--stats", "--part-size", "1M", "--memory-limit", "8M")
    got = read_by_name(mnt / key, tensors, use_mmap)
    for name, (begin, end) in tensors.items():
        assert got[name] == expected[begin:end], name
    unmount(mnt)
    proc.wait(timeout=10)
    assert_planned(stats_of(tmp_path / "mount0.log"), len(expected), tensors, use_mmap)


def test_prefetch_formats_off_is_plain_readahead(mounter, model, tmp_path):
    key, src, tensors = model
    expected = src.read_bytes()
    mnt, proc = mounter("--stats", "--prefetch-formats", "off")
    got = read_by_name(mnt / key, tensors)
    for name, (begin, end) in tensors.items():
        assert got[name] == expected[begin:end], name
    unmount(mnt)
    proc.wait(timeout=10)
    stats = stats_of(tmp_path / "mount0.log")
    assert stats["prefetch_plans"] == 0 and stats["prefetch_bytes"] == 0, stats


TORCH_LOAD = """
import sys, torch
state = torch.load(sys.argv[1])
torch.save(state, sys.argv[2])  # written back locally, compared by the test
"""


def test_torch_load_of_a_checkpoint_follows_its_records(mounter, rgw, tmp_path):
    # torch.save writes records data/0, data/1, data/10, ... and torch.load reads
    # them 0, 1, 2, ...: the checkpoint's zip directory gives the plan that order.
    torch = pytest.importorskip("torch")
    gen = torch.Generator().manual_seed(5)
    state = {f"layers.{i}.weight": torch.rand(500_000 + 977 * i, generator=gen) for i in range(24)}
    src = tmp_path / "model.pt"
    torch.save(state, src)
    key = f"prefetch-{os.getpid()}/model.pt"
    put(rgw, key, src)
    try:
        size = src.stat().st_size
        # A budget a third of the file: the plan can only run ahead of torch.load.
        mnt, proc = mounter("--stats", "--part-size", "1M", "--memory-limit", str(size // 3))
        out = tmp_path / "loaded.pt"
        run = subprocess.run(["/usr/bin/python3", "-c", TORCH_LOAD, str(mnt / key), str(out)],
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr
        unmount(mnt)
        proc.wait(timeout=10)
        loaded = torch.load(out)
        assert loaded.keys() == state.keys()
        for name, tensor in state.items():
            assert torch.equal(loaded[name], tensor), name
        stats = stats_of(tmp_path / "mount0.log")
        assert stats["prefetch_plans"] == 1, stats
        assert stats["prefetch_bytes"] >= 0.7 * size, stats
        assert stats["bytes_downloaded"] <= 1.2 * size, stats
    finally:
        delete(rgw, key)


@pytest.mark.parametrize("use_mmap", [False, True], ids=["pread", "mmap"])
def test_gguf_in_llama_order_is_exact_and_prefetched(mounter, rgw, tmp_path, use_mmap):
    # Converters write blk.0, blk.1, blk.10, ... and llama.cpp loads blk.0,
    # blk.1, blk.2, ...; the header (a 32,000-token vocabulary, ~450 KiB) is
    # longer than the mount's first read, and the embedding is larger than
    # the plan's window.
    numpy = pytest.importorskip("numpy")
    src = tmp_path / "model.gguf"
    gguf_model.generate(src, 24 * MIB, 8, numpy.random.default_rng(3))
    expected = src.read_bytes()
    key = f"prefetch-{os.getpid()}/model.gguf"
    put(rgw, key, src)
    try:
        mnt, proc = mounter("--stats", "--part-size", "1M", "--memory-limit", "8M")
        got = {}
        with open(mnt / key, "rb") as f:
            tensors = gguf_model.read_header(f)  # through stdio, as llama.cpp's gguf reader
            with open(mnt / key, "rb") as g, mmap.mmap(g.fileno(), 0, access=mmap.ACCESS_READ) as m:
                for name in gguf_model.load_order(tensors):
                    begin, end = tensors[name]
                    got[name] = bytes(m[begin:end]) if use_mmap else os.pread(f.fileno(), end - begin, begin)
        unmount(mnt)
        proc.wait(timeout=10)
        for name, (begin, end) in tensors.items():
            assert got[name] == expected[begin:end], name
        assert_planned(stats_of(tmp_path / "mount0.log"), len(expected), tensors, use_mmap)
    finally:
        delete(rgw, key)
