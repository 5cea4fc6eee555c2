"""ObjectFS for Python: read objects in S3 (and local files) fast, with the GIL
released during I/O.

    import objectfs
    with objectfs.open("s3://bucket/checkpoint.pt") as f:
        state = torch.load(f)
    objectfs.ls("s3://bucket/models/")
    objectfs.stat("s3://bucket/models/model.safetensors").size
    tensors = objectfs.safetensors.load_file("s3://bucket/models/model.safetensors")

The module-level functions use default_client(), configured from the
environment like the AWS CLI; objectfs.Client(**options) takes the CLI's
options (endpoint_url, part_size="8M", memory_limit="1G", ...; option_schema()
lists them) and config="FILE", a YAML file of the same names.

Errors: FileNotFoundError, PermissionError, objectfs.ObjectChangedError (an
OSError: the object changed or arrived corrupted), ValueError (bad arguments,
malformed data), ConnectionError (endpoint unreachable, retries exhausted).
"""

from . import _objectfs
from ._client import Client, default_client
from ._file import ObjectFile
from ._objectfs import ObjectChangedError, ObjectInfo, option_schema

__all__ = ["Client", "ObjectFile", "ObjectInfo", "ObjectChangedError", "default_client", "open",
           "option_schema",
           "ls", "stat", "safetensors"]


def open(uri, mode="rb", *, client=None):  # noqa: A001 (mirrors builtins.open)
    """Opens an object for reading: a seekable io.RawIOBase with pread()."""
    return (client or default_client()).open(uri, mode)


def ls(uri, recursive=False, detail=False, *, client=None):
    """Keys and prefixes under `uri` (see Client.ls)."""
    return (client or default_client()).ls(uri, recursive=recursive, detail=detail)


def stat(uri, *, client=None):
    """ObjectInfo (key, size, etag, mtime) of one object."""
    return (client or default_client()).stat(uri)


from . import safetensors  # noqa: E402  (needs the names above)
