"""Listing helpers shared by objectfs.fsspec and objectfs.torch: URIs split
into the part before the key and the key, every page of a listing, and a
parallel, memory-bounded read of many listed objects."""

import collections
import os
from concurrent.futures import ThreadPoolExecutor


def split_uri(uri):
    """("s3://bucket/", "key") for s3://bucket/key; ("file://", "/abs/path") for
    local files (their keys are absolute paths); local paths become file URIs."""
    uri = os.fspath(uri)
    if "://" not in uri:
        uri = "file://" + os.path.abspath(uri)
    scheme, rest = uri.split("://", 1)
    if scheme == "file":
        return "file://", rest
    bucket, _, key = rest.partition("/")
    return f"{scheme}://{bucket}/", key


def list_all(client, uri, delimiter="", max_keys=1000):
    """Every (objects, prefixes) of the listing under `uri`, pages followed.
    Objects are ObjectInfo, prefixes str keys ending in the delimiter."""
    objects, prefixes, token = [], [], ""
    while True:
        page_objects, page_prefixes, token = client._native.list(uri, delimiter, token, max_keys)
        objects.extend(page_objects)
        prefixes.extend(page_prefixes)
        if not token:
            return objects, prefixes


def read_whole(client, base, info):
    """All bytes of one listed object, opened with its listing entry (no HEAD
    where the store's listing pins; reads carry its ETag)."""
    native = client._native.open_listed(base + info.key, info)
    return native.pread(0, info.size)


def prefetched(client, base, entries, *, parallel, max_bytes):
    """Yields (info, bytes) for each ObjectInfo of `entries`, in order, while
    up to `parallel` of the next objects are being read on threads (reads
    release the GIL) and at most `max_bytes` of them are held (one object is
    always allowed, however large). Stopping the generator cancels what has
    not started and waits for what has."""
    entries = list(entries)
    parallel = max(1, int(parallel))
    pending = collections.deque()  # (info, future), in order
    held = 0  # bytes of the objects in `pending`
    nxt = 0
    executor = ThreadPoolExecutor(max_workers=min(parallel, max(1, len(entries))),
                                  thread_name_prefix="objectfs-prefetch")
    try:
        while nxt < len(entries) or pending:
            while (nxt < len(entries) and len(pending) < parallel
                   and (not pending or held + entries[nxt].size <= max_bytes)):
                info = entries[nxt]
                pending.append((info, executor.submit(read_whole, client, base, info)))
                held += info.size
                nxt += 1
            info, future = pending.popleft()
            data = future.result()
            held -= info.size
            yield info, data
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
