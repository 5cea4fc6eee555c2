"""safetensors.save_file: writes the format the loader reads, to local paths
and object stores."""

import json
import os
import secrets

from . import _dtypes


def _raw_bytes(value, name):
    """(format dtype, shape, little-endian bytes as a 1-D uint8 numpy array)."""
    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None and isinstance(value, torch.Tensor):
        dtype = _dtypes.name_of(value.dtype)
        import numpy

        if value.numel() == 0:  # nothing to write (and torch refuses byte views of it)
            return dtype, tuple(value.shape), numpy.empty(0, dtype=numpy.uint8)
        flat = value.detach().to("cpu").contiguous().reshape(-1)
        return dtype, tuple(value.shape), flat.view(torch.uint8).numpy()
    import numpy

    if isinstance(value, numpy.generic):  # a numpy scalar is a 0-d tensor
        value = numpy.asarray(value)
    if not isinstance(value, numpy.ndarray):
        raise ValueError(f"tensor {name!r} is a {type(value).__name__}, not a torch.Tensor "
                         "or numpy.ndarray")
    dtype = _dtypes.name_of(value.dtype)
    little = value.astype(value.dtype.newbyteorder("<"), copy=False)
    return dtype, value.shape, numpy.ascontiguousarray(little).reshape(-1).view(numpy.uint8)


def _layout(tensors, metadata):
    """(the 8-byte length and padded header, [(name, dtype, shape, data)]) in file order."""
    if metadata is not None and (not isinstance(metadata, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in metadata.items())):
        raise ValueError("metadata must be a dict of str to str")
    entries = []
    for name, value in tensors.items():
        if not isinstance(name, str) or name == "__metadata__":
            raise ValueError(f"invalid tensor name {name!r}")
        entries.append((name, *_raw_bytes(value, name)))
    # Widest dtypes first, so every tensor starts aligned to its element size
    # (the header is padded to a multiple of 8).
    entries.sort(key=lambda e: (-_dtypes.SIZES[e[1]], e[0]))

    header = {"__metadata__": metadata} if metadata else {}
    offset = 0
    for name, dtype, shape, data in entries:
        header[name] = {"dtype": dtype, "shape": [int(d) for d in shape],
                        "data_offsets": [offset, offset + data.nbytes]}
        offset += data.nbytes
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return len(text).to_bytes(8, "little") + text, entries


def _write(f, head, entries):
    f.write(head)
    for _, _, _, data in entries:
        if data.nbytes:
            f.write(data)  # the tensor's own memory, through the buffer protocol


def save_file(tensors, path, metadata=None, *, client=None):
    """Writes {name: tensor} (torch tensors or numpy arrays) as a safetensors
    file. To an object store (s3://, gs://, az://, file://) it streams each
    tensor from its own memory through objectfs.open(uri, "wb"): the object
    appears complete at the end, or not at all. A local path is written
    atomically too (a temporary file renamed into place)."""
    path = os.fspath(path)
    head, entries = _layout(tensors, metadata)
    if "://" in path:
        from ._client import default_client

        with (client or default_client()).open(path, "wb") as f:
            _write(f, head, entries)
        return

    directory = os.path.dirname(os.path.abspath(path))
    temporary = os.path.join(
        directory, f".{os.path.basename(path)}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # umask applies
    try:
        with os.fdopen(fd, "wb") as f:
            _write(f, head, entries)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
