"""GGUF files for bench/tensor_order.py: one shaped like a small llama model,
written as converters write them, and the order llama.cpp loads it in.

A converter writes the tensors in the byte order of their names (blk.0,
blk.1, blk.10, ..., as the Hugging Face shards it reads list them), while
llama.cpp creates and loads the tensors outside the blocks first, then the
blocks layer by layer: token_embd, output_norm, output, blk.0.*, blk.1.*, ... The token embedding and the output take
3/16 of the file each (a small model's large vocabulary), more than one
prefetch window.
"""

import os
import struct

ALIGNMENT = 32
LAYER_PARTS = [  # llama.cpp's order within a layer, and each one's share of the layer
    ("attn_norm", 0), ("attn_q", 4), ("attn_k", 1), ("attn_v", 1), ("attn_output", 4),
    ("ffn_norm", 0), ("ffn_gate", 14), ("ffn_down", 14), ("ffn_up", 14),
]
NORM_BYTES = 4096
MIB = 1 << 20


def _string(text):
    data = text.encode()
    return struct.pack("<Q", len(data)) + data


def _padded(n):
    return n + (-n % ALIGNMENT)


def llama_shapes(total, layers):
    """(name, bytes) in llama.cpp's load order; F32 sizes, multiples of 4."""
    outer = total * 3 // 16 // 4 * 4
    layer = (total - 2 * outer) // layers
    shares = sum(share for _, share in LAYER_PARTS)
    out = [("token_embd.weight", outer), ("output_norm.weight", NORM_BYTES), ("output.weight", outer)]
    for i in range(layers):
        for part, share in LAYER_PARTS:
            size = NORM_BYTES if share == 0 else layer * share // shares // 4 * 4
            out.append((f"blk.{i}.{part}.weight", size))
    return out


def generate(path, total, layers, rng):
    import numpy

    tensors = sorted(llama_shapes(total, layers))  # the converter's order
    infos, offset = b"", 0
    for name, size in tensors:
        infos += _string(name) + struct.pack("<IQQIQ", 2, size // 4, 1, 0, offset)  # F32
        offset = _padded(offset + size)
    tokens = [f"tok{i}" for i in range(32000)]
    metadata = (_string("general.architecture") + struct.pack("<I", 8) + _string("llama") +
                _string("general.alignment") + struct.pack("<II", 4, ALIGNMENT) +
                _string("tokenizer.ggml.tokens") + struct.pack("<IIQ", 9, 8, len(tokens)) +
                b"".join(_string(t) for t in tokens))
    head = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), 3) + metadata + infos
    with open(path, "wb") as f:
        f.write(head + b"\0" * (-len(head) % ALIGNMENT))
        for _, size in tensors:
            left = size
            while left:
                chunk = min(left, 64 * MIB)
                f.write(rng.integers(0, 256, size=chunk, dtype=numpy.uint8).tobytes())
                left -= chunk
            f.write(b"\0" * (-size % ALIGNMENT))
    return len(tensors), os.path.getsize(path)


def _read_exact(f, n):
    data = f.read(n)
    if len(data) != n:
        raise ValueError(f"{f.name}: the GGUF header ends early")
    return data


def _skip_value(f, kind):
    fixed = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
    if kind in fixed:
        _read_exact(f, fixed[kind])
    elif kind == 8:
        _read_exact(f, struct.unpack("<Q", _read_exact(f, 8))[0])
    elif kind == 9:
        element, count = struct.unpack("<IQ", _read_exact(f, 12))
        for _ in range(count):
            _skip_value(f, element)
    else:
        raise ValueError(f"{f.name}: metadata type {kind}")


def read_header(f):
    """{name: (begin, end)} of an F32 GGUF file's tensors, absolute offsets."""
    magic, version, count, kv = struct.unpack("<4sIQQ", _read_exact(f, 24))
    if magic != b"GGUF" or version not in (2, 3):
        raise ValueError(f"{f.name}: not a GGUF v2/v3 file")
    alignment = ALIGNMENT
    for _ in range(kv):
        key = _read_exact(f, struct.unpack("<Q", _read_exact(f, 8))[0]).decode()
        kind = struct.unpack("<I", _read_exact(f, 4))[0]
        if key == "general.alignment" and kind == 4:
            alignment = struct.unpack("<I", _read_exact(f, 4))[0]
        else:
            _skip_value(f, kind)
    tensors = {}
    for _ in range(count):
        name = _read_exact(f, struct.unpack("<Q", _read_exact(f, 8))[0]).decode()
        dims = struct.unpack("<I", _read_exact(f, 4))[0]
        shape = struct.unpack(f"<{dims}Q", _read_exact(f, 8 * dims))
        kind, offset = struct.unpack("<IQ", _read_exact(f, 12))
        if kind != 0:
            raise ValueError(f"{f.name}: tensor {name} is not F32")
        n = 4
        for extent in shape:
            n *= extent
        tensors[name] = (offset, offset + n)
    base = f.tell() + (-f.tell() % alignment)
    return {name: (base + begin, base + end) for name, (begin, end) in tensors.items()}


def load_order(names):
    """`names` in llama.cpp's load order."""
    parts = [part for part, _ in LAYER_PARTS]

    def key(name):
        if name.startswith("blk."):
            _, layer, part, _ = name.split(".")
            return (3, int(layer), parts.index(part))
        return ({"token_embd.weight": 0, "output_norm.weight": 1}.get(name, 2), 0, 0)

    return sorted(names, key=key)
