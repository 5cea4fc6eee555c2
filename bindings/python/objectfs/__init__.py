"""ObjectFS for Python: read objects in S3 (and local files) fast, with the GIL
released during I/O.

    import objectfs
    with objectfs.open("s3://bucket/checkpoint.pt") as f:
        state = torch.load(f)
    objectfs.ls("s3://bucket/models/")
    objectfs.stat("s3://bucket/models/model.safetensors").size
    tensors = objectfs.safetensors.load_file("s3://bucket/models/model.safetensors")
    objectfs.warm(["s3://bucket/models/"], client=objectfs.Client(cache_dir="/var/cache/m"))

The module-level functions use default_client(), configured from the
environment like the AWS CLI; objectfs.Client(**options) takes the CLI's
options (endpoint_url, part_size="8M", memory_limit="1G", ...; option_schema()
lists them) and config="FILE", a YAML file of the same names.

Errors: FileNotFoundError, PermissionError, objectfs.ObjectChangedError (an
OSError: the object changed or arrived corrupted), ValueError (bad arguments,
malformed data), ConnectionError (endpoint unreachable, retries exhausted).
"""

import os

from . import _objectfs
from ._client import Client, default_client
from ._file import ObjectFile
from ._objectfs import ObjectChangedError, ObjectInfo, __version__, option_schema

__all__ = ["__version__", "Client", "ObjectFile", "ObjectInfo", "ObjectChangedError",
           "default_client", "open", "option_schema", "ls", "stat", "warm", "safetensors"]


def open(uri, mode="rb", *, client=None):  # noqa: A001 (mirrors builtins.open)
    """Opens an object for reading: a seekable io.RawIOBase with pread()."""
    return (client or default_client()).open(uri, mode)


def ls(uri, recursive=False, detail=False, *, client=None):
    """Keys and prefixes under `uri` (see Client.ls)."""
    return (client or default_client()).ls(uri, recursive=recursive, detail=detail)


def stat(uri, *, client=None):
    """ObjectInfo (key, size, etag, mtime) of one object."""
    return (client or default_client()).stat(uri)


def warm(uris, *, client=None, threads=None, progress=None):
    """Fills the client's disk cache (cache_dir) with objects and whole prefixes
    (ending in '/'), in parallel; blocks already cached are skipped, so an
    interrupted warm resumes. `progress(dict)` is called about 5 times a second
    with total_bytes, bytes_fetched, bytes_cached, objects, objects_done,
    objects_failed, seconds and done; an exception it raises stops the warm.
    Returns those totals plus "results" (uri, size, bytes_fetched, bytes_cached,
    error or None for each), "errors" (inputs that name nothing) and "ok".
    ValueError without a disk cache."""
    if isinstance(uris, (str, os.PathLike)):
        uris = [uris]
    uris = [os.fspath(u) for u in uris]
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int)
                                or threads < 1):
        raise ValueError(f"threads: expected a positive integer, got {threads!r}")
    native = (client or default_client())._native
    return _objectfs.warm(native, uris, threads or 0, progress)


from . import safetensors  # noqa: E402  (needs the names above)
