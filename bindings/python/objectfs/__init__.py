"""ObjectFS for Python: read and write objects in S3 (and local files) fast,
with the GIL released during I/O.

    import objectfs
    with objectfs.open("s3://bucket/checkpoint.pt") as f:
        state = torch.load(f)
    with objectfs.open("s3://bucket/checkpoint.pt", "wb") as f:
        torch.save(state, f)                       # appears at close
    objectfs.ls("s3://bucket/models/")
    objectfs.stat("s3://bucket/models/model.safetensors").size
    tensors = objectfs.safetensors.load_file("s3://bucket/models/model.safetensors")
    objectfs.safetensors.save_file(tensors, "s3://bucket/models/copy.safetensors")
    objectfs.cp("model.bin", "s3://bucket/models/"); objectfs.rm("s3://bucket/old.bin")
    objectfs.warm(["s3://bucket/models/"], client=objectfs.Client(cache_dir="/var/cache/m"))
    fsspec.filesystem("objectfs").ls("s3://bucket/models/")   # objectfs.fsspec (fsspec installed)
    objectfs.torch.IterableDataset("s3://bucket/shards/")      # after import objectfs.torch

The module-level functions use default_client(), configured from the
environment like the AWS CLI; objectfs.Client(**options) takes the CLI's
options (endpoint_url, part_size="8M", memory_limit="1G", ...; option_schema()
lists them) and config="FILE", a YAML file of the same names.

Errors: FileNotFoundError, FileExistsError ("xb", no_clobber), PermissionError,
objectfs.ObjectChangedError (an OSError: the object changed or arrived
corrupted), ValueError (bad arguments, malformed data), ConnectionError
(endpoint unreachable, retries exhausted).
"""

import os

from . import _objectfs
from ._client import Client, default_client
from ._file import ObjectFile
from ._write_file import ObjectWriter
from ._objectfs import ObjectChangedError, ObjectInfo, __version__, option_schema

__all__ = ["__version__", "Client", "ObjectFile", "ObjectWriter", "ObjectInfo",
           "ObjectChangedError", "default_client", "open", "option_schema", "ls", "stat", "rm",
           "cp", "put", "get", "warm", "safetensors"]


def open(uri, mode="rb", *, client=None, part_size=None, content_type=None,  # noqa: A001
         info=None):
    """Opens an object: "rb" reads (a seekable io.RawIOBase with pread()), "wb"
    writes (an ObjectWriter; the object appears at close(), and an exception
    inside a ``with`` aborts it), "xb" writes only if the key is new
    (FileExistsError otherwise). info: see Client.open."""
    return (client or default_client()).open(uri, mode, part_size=part_size,
                                             content_type=content_type, info=info)


def rm(uri, *, client=None):
    """Deletes one object or local file (FileNotFoundError if there is none)."""
    (client or default_client()).rm(uri)


def cp(source, destination, *, no_clobber=False, client=None):
    """Copies one object or local file in any direction, like `objectfs cp`
    (see Client.cp); returns the new ObjectInfo."""
    return (client or default_client()).cp(source, destination, no_clobber=no_clobber)


def put(local, uri, *, no_clobber=False, client=None):
    """Uploads a local file to `uri` (a key, or a prefix ending in '/')."""
    return (client or default_client()).put(local, uri, no_clobber=no_clobber)


def get(uri, local, *, no_clobber=False, client=None):
    """Downloads an object to a local file (or into a local directory)."""
    return (client or default_client()).get(uri, local, no_clobber=no_clobber)


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


def _register_fsspec():
    """Makes fsspec.filesystem("objectfs") work. fsspec is optional, and so is
    objectfs.fsspec: the class is named, not imported, until fsspec needs it."""
    try:
        import fsspec
    except ImportError:
        return
    fsspec.register_implementation("objectfs", "objectfs.fsspec.ObjectFileSystem", clobber=True)


_register_fsspec()
