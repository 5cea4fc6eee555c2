"""objectfs.torch: PyTorch datasets over a key prefix and checkpoints in
object storage.

    from objectfs.torch import MapDataset, IterableDataset, save, load
    ds = IterableDataset("s3://bucket/shards/", shuffle=True)
    loader = torch.utils.data.DataLoader(ds, batch_size=32, num_workers=4)
    save(model.state_dict(), "s3://bucket/ckpt/step-100.pt")
    state = load("s3://bucket/ckpt/step-100.pt", map_location="cpu")

Both datasets list the prefix once, at construction (recursively: every key
under it), and open each object from its listing entry: no HEAD per object
where the store's listing spells ETags as its HEAD does (S3, GCS, Azure,
local files), and every read is pinned to the ETag listed, so an object
replaced after the listing fails with ObjectChangedError instead of mixing
versions. An item is (key, bytes), or transform(key, file) with `file` a
seekable binary file of the object. Keys are the store's (bucket-relative).

A Client cannot cross a fork (its I/O threads stay behind), so each process
(DataLoader worker) makes its own from the options of the one given (or the
default client's), and the datasets pickle without it.

This module needs torch; `import objectfs` does not import it.
"""

import io
import os
import random

import torch
import torch.utils.data

from ._client import Client, default_client
from ._listing import list_all, prefetched, split_uri


class _ClientPerProcess:
    """The Client to use in this process: the one given while in the process
    that made it, else a new one with the same options."""

    def __init__(self, client):
        client = client or default_client()
        if not isinstance(client, Client):
            raise TypeError(f"client must be an objectfs.Client, got {client!r}")
        self._options = dict(client._options)
        self._config = client._config
        self._client = client
        self._pid = os.getpid()

    def get(self):
        if self._client is None or self._pid != os.getpid():
            self._client = Client(config=self._config, **self._options)
            self._pid = os.getpid()
        return self._client

    def __getstate__(self):
        return {"_options": self._options, "_config": self._config, "_client": None,
                "_pid": None}


def _listing(client, prefix_uri):
    base, key = split_uri(prefix_uri)
    objects, _ = list_all(client, base + key, delimiter="")
    # Directory markers (keys ending in "/") are not data.
    return base, sorted((o for o in objects if not o.key.endswith("/")), key=lambda o: o.key)


class MapDataset(torch.utils.data.Dataset):
    """Every object under `prefix_uri`, by index in key order.

    ds[i] is (key, bytes), or transform(key, file) where `file` is an
    objectfs.ObjectFile opened from the listing (reads are fetched as the
    transform asks for them). `entries` holds the listing (ObjectInfo).
    """

    def __init__(self, prefix_uri, transform=None, *, client=None):
        self._clients = _ClientPerProcess(client)
        self.prefix_uri = os.fspath(prefix_uri)
        self.transform = transform
        self._base, self.entries = _listing(self._clients.get(), self.prefix_uri)

    def __len__(self):
        return len(self.entries)

    def __getitem__(self, index):
        info = self.entries[index]
        client = self._clients.get()
        if self.transform is None:
            native = client._native.open_listed(self._base + info.key, info)
            return info.key, native.pread(0, info.size)
        with client.open(self._base + info.key, info=info) as f:
            return self.transform(info.key, f)


class IterableDataset(torch.utils.data.IterableDataset):
    """Every object under `prefix_uri` once per epoch, streamed with the next
    objects read in parallel.

    Sharding: the listing (shuffled with seed + epoch when `shuffle`, the same
    order on every rank and worker) is dealt round-robin over the ranks
    (torch.distributed's rank and world size when it is initialized, else
    rank/world_size given, else one), and each rank's share round-robin over
    its DataLoader workers, so each object is read by exactly one worker of
    one rank per epoch. Shares may differ by one object; len() is this rank's.

    Prefetch: up to `parallel` objects (default: the Client's
    max_parallel_requests, 16 unless set) are read ahead on threads, holding at
    most `max_bytes_in_flight` (default: a quarter of the Client's memory
    budget, per worker). Items are (key, bytes), or transform(key, file) with
    `file` an io.BytesIO of the object's bytes, in shard order.

    The epoch is set_epoch(n) (as DistributedSampler), or counts up by one
    each time the dataset is iterated in a process.
    """

    def __init__(self, prefix_uri, shuffle=False, transform=None, *, client=None, seed=0,
                 parallel=None, max_bytes_in_flight=None, rank=None, world_size=None):
        super().__init__()
        self._clients = _ClientPerProcess(client)
        self.prefix_uri = os.fspath(prefix_uri)
        self.shuffle = bool(shuffle)
        self.transform = transform
        self.seed = int(seed)
        self.epoch = 0
        self._started = False
        for name, value in (("parallel", parallel), ("max_bytes_in_flight", max_bytes_in_flight)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                      or value < 1):
                raise ValueError(f"{name}: expected a positive integer, got {value!r}")
        self.parallel = parallel
        self.max_bytes_in_flight = max_bytes_in_flight
        if (rank is None) != (world_size is None):
            raise ValueError("give both rank and world_size, or neither")
        if world_size is not None and not 0 <= rank < world_size:
            raise ValueError(f"rank {rank} is not in [0, {world_size})")
        self.rank, self.world_size = rank, world_size
        self._base, self.entries = _listing(self._clients.get(), self.prefix_uri)

    def __len__(self):
        """Objects this rank reads per epoch (all its workers together)."""
        rank, world = self._ranks()
        return len(range(rank, len(self.entries), world))

    def set_epoch(self, epoch):
        self.epoch = int(epoch)
        self._started = False

    def _ranks(self):
        if self.world_size is not None:
            return self.rank, self.world_size
        dist = torch.distributed
        if dist.is_available() and dist.is_initialized():
            return dist.get_rank(), dist.get_world_size()
        return 0, 1

    def shard(self, epoch=None):
        """The ObjectInfo this process's worker reads in `epoch`, in order."""
        order = list(self.entries)
        if self.shuffle:
            random.Random(self.seed + (self.epoch if epoch is None else epoch)).shuffle(order)
        rank, world = self._ranks()
        worker = torch.utils.data.get_worker_info()
        workers, worker_id = (worker.num_workers, worker.id) if worker else (1, 0)
        return order[rank::world][worker_id::workers]

    def __iter__(self):
        if self._started:
            self.epoch += 1
        self._started = True
        client = self._clients.get()
        parallel = self.parallel or client._native.max_parallel_requests
        max_bytes = self.max_bytes_in_flight or max(1, client._native.memory_budget // 4)
        for info, data in prefetched(client, self._base, self.shard(), parallel=parallel,
                                     max_bytes=max_bytes):
            if self.transform is None:
                yield info.key, data
            else:
                yield self.transform(info.key, io.BytesIO(data))


def save(state, uri, *, client=None, **kwargs):
    """torch.save(state) into the object `uri` (it appears, whole, when the
    upload commits; a failure leaves any earlier object in place). Returns
    the new object's ObjectInfo."""
    with (client or default_client()).open(uri, "wb") as f:
        torch.save(state, f, **kwargs)
    return f.info


def load(uri, *, client=None, **kwargs):
    """torch.load from the object `uri` (map_location, weights_only, ... as
    torch.load). The object is read pinned to the version seen at open."""
    with (client or default_client()).open(uri, "rb") as f:
        return torch.load(io.BufferedReader(f, buffer_size=1 << 20), **kwargs)
