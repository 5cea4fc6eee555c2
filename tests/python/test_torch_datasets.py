"""objectfs.torch against RGW: MapDataset and IterableDataset (contents, no
HEAD per object, sharding over DataLoader workers and ranks, shuffling, pins),
the bounded prefetch pipeline, and checkpoints."""

import pickle
import threading
import time

import pytest
import torch
import torch.utils.data

import objectfs
from objectfs import _listing
from objectfs.torch import IterableDataset, MapDataset, load, save

from conftest import BUCKET, s3uri

N = 40


def contents(i):
    return f"object {i:03d} ".encode() * (50 + i)


@pytest.fixture
def objects(put, prefix):
    """N objects under this test's prefix: key -> bytes."""
    made = {}
    for i in range(N):
        put(f"item-{i:03d}.bin", contents(i))
        made[prefix + f"item-{i:03d}.bin"] = contents(i)
    return made


def heads(client):
    return client.stats()["head_requests"]


def test_map_dataset_lists_once_and_reads_without_head(client, objects, prefix):
    ds = MapDataset(s3uri(prefix), client=client)
    assert len(ds) == N
    before = client.stats()
    items = [ds[i] for i in range(len(ds))]
    after = client.stats()
    assert dict(items) == objects
    assert [key for key, _ in items] == sorted(objects)
    assert after["head_requests"] == before["head_requests"]
    assert after["list_requests"] == before["list_requests"]
    assert after["get_requests"] - before["get_requests"] == N


def test_map_dataset_transform_gets_a_seekable_file(client, objects, prefix):
    def first_and_last(key, f):
        head = f.read(4)
        f.seek(-3, 2)
        return key, head, f.read()

    ds = MapDataset(s3uri(prefix), transform=first_and_last, client=client)
    key, head, tail = ds[7]
    assert head == objects[key][:4] and tail == objects[key][-3:]


def test_iterable_dataset_reads_everything_once_without_head(client, objects, prefix):
    ds = IterableDataset(s3uri(prefix), client=client)
    before = client.stats()
    got = list(ds)
    after = client.stats()
    assert [k for k, _ in got] == sorted(objects) and dict(got) == objects
    assert after["head_requests"] == before["head_requests"]
    assert after["get_requests"] - before["get_requests"] == N


def test_iterable_dataset_transform_gets_the_bytes_as_a_file(client, objects, prefix):
    ds = IterableDataset(s3uri(prefix), client=client, transform=lambda k, f: (k, f.read(6)))
    assert dict(ds) == {k: v[:6] for k, v in objects.items()}


@pytest.mark.parametrize("workers", [0, 2])
def test_shards_over_ranks_and_workers_cover_each_object_once(client, objects, prefix, workers):
    seen = []
    for rank in range(3):
        ds = IterableDataset(s3uri(prefix), client=client, shuffle=True, seed=5, rank=rank,
                             world_size=3)
        loader = torch.utils.data.DataLoader(ds, batch_size=None, num_workers=workers)
        keys = [key for key, _ in loader]
        assert len(keys) == len(ds) == (N - rank + 2) // 3  # 14, 13, 13
        seen.extend(keys)
    assert sorted(seen) == sorted(objects)


def test_dataloader_workers_make_their_own_clients(client, objects, prefix):
    ds = IterableDataset(s3uri(prefix), client=client)
    loader = torch.utils.data.DataLoader(ds, batch_size=None, num_workers=2,
                                         multiprocessing_context="spawn")
    assert dict((k, bytes(v)) for k, v in loader) == objects


def test_shuffle_is_seeded_and_changes_with_the_epoch(client, objects, prefix):
    ds = IterableDataset(s3uri(prefix), client=client, shuffle=True, seed=1)
    first = [key for key, _ in ds]
    assert first != sorted(objects) and sorted(first) == sorted(objects)
    second = [key for key, _ in ds]  # a second pass is the next epoch
    assert second != first and sorted(second) == sorted(first)
    ds.set_epoch(0)
    assert [key for key, _ in ds] == first
    other = IterableDataset(s3uri(prefix), client=client, shuffle=True, seed=1)
    assert [info.key for info in other.shard(epoch=0)] == first


def test_an_object_replaced_after_the_listing_fails_as_changed(client, s3, objects, prefix):
    ds = IterableDataset(s3uri(prefix), client=client)
    s3.put_object(Bucket=BUCKET, Key=prefix + "item-003.bin", Body=b"replaced")
    with pytest.raises(objectfs.ObjectChangedError):
        list(ds)


def test_datasets_pickle_without_their_client(client, objects, prefix):
    ds = pickle.loads(pickle.dumps(IterableDataset(s3uri(prefix), client=client)))
    assert dict(ds) == objects
    info = MapDataset(s3uri(prefix), client=client).entries[0]
    assert pickle.loads(pickle.dumps(info)) == info


class _FakeFile:
    def __init__(self, native, info):
        self._native, self._info = native, info

    def pread(self, offset, size):
        with self._native.lock:
            self._native.active += 1
            self._native.most_active = max(self._native.most_active, self._native.active)
            self._native.started += 1
            self._native.held_at_start.append(self._native.started - self._native.consumed)
        time.sleep(0.01)
        with self._native.lock:
            self._native.active -= 1
        return bytes([self._info.key_index]) * self._info.size


class _FakeNative:
    def __init__(self):
        self.lock = threading.Lock()
        self.active = self.most_active = self.started = self.consumed = 0
        self.held_at_start = []

    def open_listed(self, uri, info):
        return _FakeFile(self, info)


class _FakeClient:
    def __init__(self):
        self._native = _FakeNative()


class _Info:
    def __init__(self, i, size):
        self.key, self.key_index, self.size = f"k{i}", i, size


def test_prefetch_keeps_order_and_bounds_requests_and_bytes():
    client = _FakeClient()
    entries = [_Info(i, 100) for i in range(50)]
    out = []
    for info, data in _listing.prefetched(client, "s3://b/", entries, parallel=8, max_bytes=450):
        client._native.consumed += 1
        out.append((info.key, data))
    assert out == [(f"k{i}", bytes([i]) * 100) for i in range(50)]
    native = client._native
    assert native.most_active > 1  # reads overlap
    assert native.most_active <= 4  # 450 bytes hold 4 objects of 100
    assert max(native.held_at_start) <= 5


def test_prefetch_allows_one_object_over_the_budget_and_stops_cleanly():
    client = _FakeClient()
    entries = [_Info(i, 1000) for i in range(10)]
    got = _listing.prefetched(client, "s3://b/", entries, parallel=8, max_bytes=10)
    assert next(got)[0].key == "k0"
    got.close()  # waits for reads in flight, cancels the rest
    assert client._native.active == 0
    assert client._native.most_active == 1
    assert client._native.started <= 2


def test_checkpoint_save_and_load(client, prefix):
    state = {"w": torch.arange(1000, dtype=torch.float32).reshape(10, 100), "step": 7}
    info = save(state, s3uri(prefix + "ckpt.pt"), client=client)
    assert info.size > 4000
    loaded = load(s3uri(prefix + "ckpt.pt"), client=client)
    assert loaded["step"] == 7 and torch.equal(loaded["w"], state["w"])


DISTRIBUTED_RANK = """
import json, sys
import torch.distributed as dist
import objectfs
from objectfs.torch import IterableDataset
rank, init, uri, options = int(sys.argv[1]), sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
dist.init_process_group("gloo", init_method=init, rank=rank, world_size=2)
ds = IterableDataset(uri, client=objectfs.Client(**options), shuffle=True)
print(json.dumps({"len": len(ds), "keys": [key for key, _ in ds]}))
dist.destroy_process_group()
"""


def test_torch_distributed_ranks_split_the_listing(rgw, objects, prefix, tmp_path):
    import json
    import subprocess
    import sys

    from conftest import client_options

    init = f"file://{tmp_path}/rendezvous"
    procs = [subprocess.Popen([sys.executable, "-c", DISTRIBUTED_RANK, str(rank), init,
                               s3uri(prefix), json.dumps(client_options(rgw))],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for rank in range(2)]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert [r["len"] for r in results] == [N // 2, N // 2]
    assert [len(r["keys"]) for r in results] == [N // 2, N // 2]
    assert sorted(results[0]["keys"] + results[1]["keys"]) == sorted(objects)
