"""Safetensors loading straight from object storage, mirroring the safetensors
library's API (safe_open, load_file, save_file) plus load_model for sharded
checkpoints.

Loading reads the header in at most two requests (the library validates it
strictly: any malformed header is a ValueError naming what is wrong), then the
whole data region with one parallel read, GIL released, into ONE buffer.
Tensors are zero-copy views of that buffer (numpy views / torch.frombuffer),
which stays alive as long as any of them does.

Subsets fetch only their bytes: load_file(uri, tensors=[...]) and safe_open's
get_tensor / get_slice ask the library's planner for the exact ranges
(coalesced when gaps are small) and read them in parallel (read_ranges). These
files turn the library's format-aware prefetch off: they know what they read.
"""

import concurrent.futures
import os
from collections import namedtuple

from . import _dtypes, _objectfs
from ._client import default_client
from ._writer import save_file

__all__ = ["safe_open", "load_file", "save_file", "load_model"]

_FRAMEWORKS = {"pt": "pt", "torch": "pt", "np": "np", "numpy": "np"}

# Ranges closer than this are fetched as one: the gap costs less than a request.
_MAX_GAP = 64 << 10
# Where each piece starts in a shared buffer: aligned for every dtype.
_ALIGN = 64

# One tensor of a header; begin/end are offsets within the data region.
_Spec = namedtuple("_Spec", "name dtype shape begin end")


def _framework(framework):
    canonical = _FRAMEWORKS.get(framework)
    if canonical is None:
        raise ValueError(f"framework must be 'pt' or 'np', got {framework!r}")
    return canonical


def _check_device(device, framework):
    """Fails before any data is read when the device cannot be served."""
    if device in (None, "cpu"):
        return None
    if framework == "np":
        raise ValueError(f"framework='np' loads to the CPU only, got device={device!r}")
    import torch

    try:
        target = torch.device(device)
    except (RuntimeError, TypeError) as e:
        raise ValueError(f"invalid device {device!r}: {e}") from None
    if target.type == "cpu":
        return None
    if target.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} was asked for, but torch sees no CUDA GPU "
                         "(torch.cuda.is_available() is False); load with device='cpu'")
    return target


def _place(tensors, target):
    if target is None:
        return tensors
    return {name: tensor.to(target) for name, tensor in tensors.items()}


def _header(file):
    raw = _objectfs.read_safetensors_header(file._native)
    specs = [_Spec(*entry) for entry in raw["tensors"]]
    return raw["data_offset"], raw["data_size"], specs, raw["metadata"]


def _check_dtypes(specs, framework):
    convert = _dtypes.numpy_dtype if framework == "np" else _dtypes.torch_dtype
    for spec in specs:
        convert(spec.dtype, spec.name)


def _read(file, offset, size):
    """`size` bytes at `offset` into a new uint8 numpy array (parallel ranged GETs
    straight into it; numpy also asks the kernel for huge pages)."""
    import numpy

    buffer = numpy.empty(size, dtype=numpy.uint8)
    got = file.pread_into(offset, buffer) if size else 0
    if got != size:
        raise _objectfs.ObjectChangedError(
            f"{file.name}: read {got} of {size} bytes at offset {offset}: the object is shorter "
            "than its header says")
    return buffer


def _view(buffer, spec, base, framework):
    """The tensor `spec` as a view of `buffer`, which holds the data region from `base`."""
    offset, nbytes = spec.begin - base, spec.end - spec.begin
    if framework == "np":
        dtype = _dtypes.numpy_dtype(spec.dtype, spec.name)
        if nbytes == 0:
            import numpy

            return numpy.empty(spec.shape, dtype=dtype)
        return buffer[offset:offset + nbytes].view(dtype).reshape(spec.shape)

    import torch

    dtype = _dtypes.torch_dtype(spec.dtype, spec.name)
    if nbytes == 0:
        return torch.empty(spec.shape, dtype=dtype)
    count = nbytes // _dtypes.SIZES[spec.dtype]
    tensor = torch.frombuffer(buffer, dtype=dtype, count=count, offset=offset).reshape(spec.shape)
    if (buffer.ctypes.data + offset) % _dtypes.SIZES[spec.dtype]:
        # The format does not promise alignment; torch kernels may assume it.
        tensor = tensor.clone()
    return tensor


def _client_for(client):
    return client if client is not None else default_client()


def _open_exact(client, uri):
    """Opens `uri` for exact reads: no format-aware prefetch behind them."""
    file = _client_for(client).open(uri)
    _objectfs.disable_format_prefetch(file._native)
    return file


def _read_pieces(file, pieces):
    """Reads pieces [(offset, length)] into one new uint8 buffer, in parallel;
    returns it and where each piece starts in it (aligned to _ALIGN)."""
    import numpy

    at, total = [], 0
    for _, length in pieces:
        total = -(-total // _ALIGN) * _ALIGN
        at.append(total)
        total += length
    buffer = numpy.empty(total, dtype=numpy.uint8)
    if pieces:
        _objectfs.read_ranges(file._native, [tuple(p) for p in pieces], buffer, at)
    return buffer, at


def _load_subset(file, data_offset, specs, names, framework):
    """The named tensors, as views of one buffer holding only their (coalesced) bytes."""
    import bisect

    wanted = []
    for name in dict.fromkeys(names):
        spec = specs.get(name)
        if spec is None:
            raise KeyError(f"{file.name} has no tensor {name!r}")
        wanted.append(spec)
    groups = _objectfs.coalesce_ranges(
        [(data_offset + s.begin, s.end - s.begin) for s in wanted if s.end > s.begin], _MAX_GAP)
    buffer, at = _read_pieces(file, groups)
    starts = [offset for offset, _ in groups]
    tensors = {}
    for spec in wanted:
        if spec.end == spec.begin:
            tensors[spec.name] = _view(buffer, spec, spec.begin, framework)
            continue
        g = bisect.bisect_right(starts, data_offset + spec.begin) - 1
        position = at[g] + (data_offset + spec.begin - starts[g])
        tensors[spec.name] = _view(buffer, spec, spec.begin - position, framework)
    return tensors


def _load_open_file(file, framework, target):
    data_offset, data_size, specs, _ = _header(file)
    _check_dtypes(specs, framework)
    buffer = _read(file, data_offset, data_size)
    return _place({spec.name: _view(buffer, spec, 0, framework) for spec in specs}, target)


def load_file(uri, device="cpu", *, framework="pt", client=None, tensors=None):
    """Every tensor of a safetensors object as {name: tensor} (torch, or numpy with
    framework='np'), or only those named in `tensors` (e.g. one tensor-parallel
    rank's): then only their bytes are fetched. device='cuda' copies to the GPU
    when torch sees one."""
    framework = _framework(framework)
    target = _check_device(device, framework)
    with _open_exact(client, uri) as file:
        if tensors is None:
            return _load_open_file(file, framework, target)
        data_offset, _, specs, _ = _header(file)
        specs = {spec.name: spec for spec in specs}
        names = [tensors] if isinstance(tensors, str) else list(tensors)
        _check_dtypes([specs[n] for n in names if n in specs], framework)
        return _place(_load_subset(file, data_offset, specs, names, framework), target)


def _box_of(index, shape, name):
    """A numpy-style index of a tensor of `shape` as the box to read, [lo, hi)
    per dimension, and the index that picks the result out of that box; None
    when the index is not made of ints, slices and one Ellipsis."""
    index = index if isinstance(index, tuple) else (index,)
    if sum(item is Ellipsis for item in index) > 1:
        return None
    if Ellipsis in index:
        at = index.index(Ellipsis)
        index = index[:at] + (slice(None),) * (len(shape) - len(index) + 1) + index[at + 1:]
    if len(index) > len(shape):
        raise IndexError(f"too many indices for {name!r}: {len(index)} for {len(shape)} dimensions")
    lo, hi, post = [], [], []
    for d, size in enumerate(shape):
        item = index[d] if d < len(index) else slice(None)
        if isinstance(item, bool) or not isinstance(item, (int, slice)):
            return None
        if isinstance(item, int):
            i = item + size if item < 0 else item
            if not 0 <= i < size:
                raise IndexError(f"index {item} is out of range for dimension {d} of {name!r} "
                                 f"(size {size})")
            lo.append(i), hi.append(i + 1), post.append(0)
            continue
        picked = range(*item.indices(size))
        if not picked:
            lo.append(0), hi.append(0), post.append(slice(0, 0))
            continue
        first, last = min(picked), max(picked)
        lo.append(first), hi.append(last + 1)
        begin = picked[0] - first
        end = picked[-1] - first + (1 if picked.step > 0 else -1)
        post.append(slice(begin, None if end < 0 else end, picked.step))
    return lo, hi, tuple(post)


class _Slice:
    """safe_open(...).get_slice(name): shape and dtype without reading; indexing
    (ints, slices with any step, an Ellipsis, over any dimensions) fetches only
    the box of bytes it needs, its runs coalesced."""

    def __init__(self, owner, spec):
        self._owner = owner
        self._spec = spec

    def get_shape(self):
        return list(self._spec.shape)

    def get_dtype(self):
        return self._spec.dtype

    def __getitem__(self, index):
        spec = self._spec
        box = _box_of(index, spec.shape, spec.name)
        if box is None:  # fancy indexing: the whole tensor, then numpy/torch rules
            return self._owner.get_tensor(spec.name)[index]
        return self._owner._read_box(spec, *box)


class safe_open:
    """Lazy access to one safetensors object: the header is read at open (at most
    two requests), each get_tensor reads only that tensor's bytes.

        with safe_open("s3://bucket/model.safetensors", framework="pt") as f:
            for name in f.keys():
                tensor = f.get_tensor(name)
    """

    def __init__(self, uri, framework="pt", device="cpu", *, client=None):
        self._framework = _framework(framework)
        self._target = _check_device(device, self._framework)
        self._file = _open_exact(client, uri)
        try:
            self._data_offset, _, specs, self._metadata = _header(self._file)
        except BaseException:
            self._file.close()
            raise
        self._specs = {spec.name: spec for spec in specs}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self._file.close()

    def keys(self):
        return sorted(self._specs)

    def offset_keys(self):
        """Names in the order their bytes appear in the object."""
        return [spec.name for spec in sorted(self._specs.values(), key=lambda s: s.begin)]

    def metadata(self):
        return dict(self._metadata) if self._metadata else None

    def _spec(self, name):
        spec = self._specs.get(name)
        if spec is None:
            raise KeyError(f"{self._file.name} has no tensor {name!r}")
        return spec

    def _read_spec(self, spec):
        convert = _dtypes.numpy_dtype if self._framework == "np" else _dtypes.torch_dtype
        convert(spec.dtype, spec.name)
        # Exactly the tensor's bytes: no readahead past them.
        pieces = [(self._data_offset + spec.begin, spec.end - spec.begin)]
        buffer, _ = _read_pieces(self._file, pieces if spec.end > spec.begin else [])
        tensor = _view(buffer, spec, spec.begin, self._framework)
        return tensor if self._target is None else tensor.to(self._target)

    def _read_box(self, spec, lo, hi, post):
        """The box [lo, hi) of `spec`, indexed by `post`, as a new tensor; only
        the box's runs are fetched (coalesced), into a buffer spanning them."""
        import numpy

        convert = _dtypes.numpy_dtype if self._framework == "np" else _dtypes.torch_dtype
        dtype = convert(spec.dtype, spec.name)
        size = _dtypes.SIZES[spec.dtype]
        shape = tuple(h - l for l, h in zip(lo, hi))
        if any(n == 0 for n in shape) or not spec.shape:
            if not spec.shape:
                return self._read_spec(spec)[post]
            empty = numpy.empty(shape, dtype=dtype) if self._framework == "np" else None
            if empty is None:
                import torch

                empty = torch.empty(shape, dtype=dtype)
            return empty[post]
        base = self._data_offset + spec.begin
        runs = _objectfs.box_ranges(list(spec.shape), spec.dtype, base, lo, hi)
        pieces = _objectfs.coalesce_ranges(runs, _MAX_GAP)
        first = pieces[0][0]
        span = pieces[-1][0] + pieces[-1][1] - first
        # One buffer over the box's whole span; only the pieces are fetched
        # (the gaps are never touched, so they cost no memory).
        buffer = numpy.empty(span + _ALIGN, dtype=numpy.uint8)
        shift = (-buffer.ctypes.data) % _ALIGN
        _objectfs.read_ranges(self._file._native, [tuple(p) for p in pieces], buffer,
                              [shift + offset - first for offset, _ in pieces])
        strides = [size] * len(spec.shape)
        for d in range(len(spec.shape) - 2, -1, -1):
            strides[d] = strides[d + 1] * spec.shape[d + 1]
        if self._framework == "np":
            view = numpy.ndarray(shape, dtype=dtype, buffer=buffer, offset=shift,
                                 strides=strides)
            tensor = numpy.array(view[post])  # a copy, 0-d for all-int indexes
        else:
            import torch

            flat = torch.frombuffer(buffer, dtype=dtype, count=span // size, offset=shift)
            view = flat.as_strided(shape, [s // size for s in strides])
            tensor = view[post].clone()
        return tensor if self._target is None else tensor.to(self._target)

    def get_tensor(self, name):
        return self._read_spec(self._spec(name))

    def get_slice(self, name):
        return _Slice(self, self._spec(name))


def _is_uri(text):
    return "://" in text


def _parent(uri):
    return uri.rsplit("/", 1)[0] if _is_uri(uri) else os.path.dirname(uri)


def _join(base, name):
    return base.rstrip("/") + "/" + name if _is_uri(base) else os.path.join(base, name)


def _read_index(client, index_uri):
    """{tensor: shard} of the index, checked by the library's own rules (the
    ones its shard warming follows)."""
    with client.open(index_uri) as f:
        text = f.read()
    return dict(_objectfs.parse_shard_index(text, index_uri))


def load_model(uri, device="cpu", *, framework="pt", client=None, max_workers=8):
    """All tensors of a model as one {name: tensor} dict. `uri` is a directory
    (prefix) holding model.safetensors.index.json or model.safetensors, the index
    itself, or one .safetensors object. Shards load in parallel; every entry of
    the index's weight_map must be found in the shard it names."""
    framework = _framework(framework)
    target = _check_device(device, framework)
    client = _client_for(client)
    uri = os.fspath(uri)
    if uri.endswith(".safetensors"):
        return load_file(uri, device, framework=framework, client=client)
    if uri.endswith(".json"):
        index_uri, base = uri, _parent(uri)
    else:
        index_uri, base = _join(uri, "model.safetensors.index.json"), uri
        try:
            client.stat(index_uri)
        except FileNotFoundError:
            single = _join(base, "model.safetensors")
            try:
                client.stat(single)
            except FileNotFoundError:
                raise FileNotFoundError(
                    f"{uri}: neither model.safetensors.index.json nor model.safetensors "
                    "was found there") from None
            return load_file(single, device, framework=framework, client=client)

    weight_map = _read_index(client, index_uri)
    shards = sorted(set(weight_map.values()))
    with concurrent.futures.ThreadPoolExecutor(max(1, min(max_workers, len(shards)))) as pool:
        loaded = dict(zip(shards, pool.map(
            lambda shard: load_file(_join(base, shard), framework=framework, client=client),
            shards)))
    tensors = {}
    for shard in shards:
        for name, tensor in loaded[shard].items():
            if name in tensors:
                raise ValueError(f"{index_uri}: tensor {name!r} is in more than one shard")
            tensors[name] = tensor
    for name, shard in weight_map.items():
        if name not in loaded[shard]:
            raise ValueError(f"{index_uri}: weight_map puts {name!r} in {shard!r}, "
                             "which has no such tensor")
    return _place(tensors, target)
