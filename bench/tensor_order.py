#!/usr/bin/python3
"""Tensor-order read benchmark (bench/tensor_order.sh runs it): a safetensors
model whose tensor names do not follow their offsets, read the way loaders
read it. One JSON line per run on stdout.

  # 1 GiB, 256 tensors of mixed sizes, names shuffled over the offsets
  bench/tensor_order.py generate /dev/shm/model.safetensors --size 1G --tensors 256

  # every tensor in name order through a mounted file: pread into one reused
  # buffer (no fresh memory to fault in), or numpy.memmap and a copy of each
  # tensor into that buffer (what the safetensors library's mmap does)
  bench/tensor_order.py read /mnt/x/model.safetensors --via pread
  bench/tensor_order.py read /mnt/x/model.safetensors --via memmap

  # a torch.save checkpoint of the same shape (its zip records lie in the
  # byte order of their keys, "0", "1", "10", ...; torch.load reads them in
  # numeric order), and one torch.load of it into fresh tensors
  bench/tensor_order.py generate-torch /dev/shm/model.pt --size 1G --tensors 256
  bench/tensor_order.py read /mnt/x/model.pt --via torch

  # a GGUF file shaped like a small llama model, written in the byte order of
  # its names (blk.0, blk.1, blk.10, ...), read in llama.cpp's load order
  # (layer by layer) by pread or numpy.memmap (llama.cpp's mmap)
  bench/tensor_order.py generate-gguf /dev/shm/model.gguf --size 1G --layers 16
  bench/tensor_order.py read /mnt/x/model.gguf --via memmap

  # safe_open of half the tensors (every other name) straight from S3: bytes
  # fetched (Client.stats() bytes_downloaded) against bytes asked for
  PYTHONPATH=build/python bench/tensor_order.py safe-open s3://bench/model.safetensors

Fields: seconds (open + header + every tensor), bytes (tensor bytes read),
gb_per_s; --hash adds a digest of the tensors' bytes in name order (the sha256
of their sha256s; hashing each tensor is inside the timed loop, so use it for a
check run, not a timed one).
"""

import argparse
import hashlib
import json
import os
import struct
import sys
import time

import gguf_model

MIB = 1 << 20


def parse_size(text):
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    return int(text[:-1]) * units[text[-1]] if text[-1] in units else int(text)


def tensor_sizes(rng, total, count):
    weights = rng.lognormal(mean=0.0, sigma=1.0, size=count)
    weights /= weights.sum()
    return [max(4, int(total * w)) // 4 * 4 for w in weights]


def generate(path, total, count, seed):
    import numpy

    rng = numpy.random.default_rng(seed)
    sizes = tensor_sizes(rng, total, count)
    names = [f"model.layers.{i:03d}.weight" for i in range(count)]
    order = rng.permutation(count)  # the offset slot of each name
    header, offset = {"__metadata__": {"format": "pt", "generator": "bench/tensor_order.py"}}, 0
    for slot in range(count):
        name = names[int(numpy.where(order == slot)[0][0])]
        size = sizes[slot]
        header[name] = {"dtype": "F32", "shape": [size // 4], "data_offsets": [offset, offset + size]}
        offset += size
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text)
        left = offset
        while left:
            chunk = min(left, 64 * MIB)
            f.write(rng.integers(0, 256, size=chunk, dtype=numpy.uint8).tobytes())
            left -= chunk
    print(json.dumps({"generated": path, "tensors": count, "bytes": os.path.getsize(path)}))


def generate_torch(path, total, count, seed):
    import numpy
    import torch

    rng = numpy.random.default_rng(seed)
    state = {f"model.layers.{i:03d}.weight":
             torch.from_numpy(rng.integers(0, 256, size=size, dtype=numpy.uint8))
             for i, size in enumerate(tensor_sizes(rng, total, count))}
    torch.save(state, path)
    print(json.dumps({"generated": path, "tensors": count, "bytes": os.path.getsize(path)}))


def read_torch(path, want_hash):
    import numpy
    import torch

    # torch.load fills fresh tensors. Touching as much memory just before, and
    # freeing it, makes that fill run at the VM's "recently freed" speed for
    # every row alike instead of whatever the host left (see docs/benchmarks.md).
    numpy.ones(os.path.getsize(path) * 5 // 4, dtype=numpy.uint8)
    start = time.perf_counter()
    state = torch.load(path, map_location="cpu")
    seconds = time.perf_counter() - start
    total = sum(t.numel() * t.element_size() for t in state.values())
    out = {"via": "torch", "tensors": len(state), "bytes": total, "seconds": round(seconds, 3),
           "gb_per_s": round(total / seconds / 1e9, 3)}
    if want_hash:
        digests = [hashlib.sha256(state[name].numpy().tobytes()).digest() for name in sorted(state)]
        out["sha256"] = hashlib.sha256(b"".join(digests)).hexdigest()
    return out


def read_header(f):
    n = struct.unpack("<Q", f.read(8))[0]
    header = json.loads(f.read(n))
    header.pop("__metadata__", None)
    base = 8 + n
    return {name: (base + t["data_offsets"][0], base + t["data_offsets"][1])
            for name, t in header.items()}


def read(path, via, want_hash):
    import numpy

    # One reused buffer, faulted in before the clock starts: the mount is
    # measured, not this VM's first touch of fresh memory.
    buffer = numpy.empty(64 * MIB, dtype=numpy.uint8)
    buffer[:] = 0
    pending = []
    total = 0
    start = time.perf_counter()
    gguf = path.endswith(".gguf")
    with open(path, "rb", buffering=0 if not gguf else -1) as f:
        tensors = gguf_model.read_header(f) if gguf else read_header(f)
        order = gguf_model.load_order(tensors) if gguf else sorted(tensors)
        mapped = numpy.memmap(path, dtype=numpy.uint8, mode="r") if via == "memmap" else None
        for name in order:
            begin, end = tensors[name]
            n = end - begin
            if n > buffer.size:
                buffer = numpy.empty(n, dtype=numpy.uint8)
            if mapped is not None:
                buffer[:n] = mapped[begin:end]
            else:
                got = os.preadv(f.fileno(), [memoryview(buffer)[:n]], begin)
                if got != n:
                    sys.exit(f"{path}: short read of {name}: {got} of {n} bytes")
            total += n
            if want_hash:
                pending.append(hashlib.sha256(buffer[:n]).digest())
        seconds = time.perf_counter() - start
        del mapped
    out = {"via": via, "tensors": len(tensors), "bytes": total, "seconds": round(seconds, 3),
           "gb_per_s": round(total / seconds / 1e9, 3)}
    if want_hash:
        out["sha256"] = hashlib.sha256(b"".join(pending)).hexdigest()
    return out


def safe_open_half(uri, no_sign_request):
    import objectfs

    options = {"no_sign_request": True} if no_sign_request else {}
    client = objectfs.Client(**options)
    start = time.perf_counter()
    asked = 0
    with objectfs.safetensors.safe_open(uri, framework="np", client=client) as f:
        header_bytes = client.stats()["bytes_downloaded"]
        for name in f.keys()[::2]:
            asked += f.get_tensor(name).nbytes
    seconds = time.perf_counter() - start
    fetched = client.stats()["bytes_downloaded"] - header_bytes
    return {"mode": "safe-open-half", "asked": asked, "fetched": fetched,
            "ratio": round(fetched / asked, 4), "seconds": round(seconds, 3)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate")
    g.add_argument("path")
    g.add_argument("--size", default="1G")
    g.add_argument("--tensors", type=int, default=256)
    g.add_argument("--seed", type=int, default=19)
    r = sub.add_parser("read")
    r.add_argument("path")
    r.add_argument("--via", choices=["pread", "memmap", "torch"], default="pread")
    r.add_argument("--hash", action="store_true")
    gt = sub.add_parser("generate-torch")
    gt.add_argument("path")
    gt.add_argument("--size", default="1G")
    gt.add_argument("--tensors", type=int, default=256)
    gt.add_argument("--seed", type=int, default=19)
    gg = sub.add_parser("generate-gguf")
    gg.add_argument("path")
    gg.add_argument("--size", default="1G")
    gg.add_argument("--layers", type=int, default=16)
    gg.add_argument("--seed", type=int, default=19)
    s = sub.add_parser("safe-open")
    s.add_argument("uri")
    s.add_argument("--no-sign-request", action="store_true")
    args = parser.parse_args()
    if args.cmd == "generate":
        generate(args.path, parse_size(args.size), args.tensors, args.seed)
    elif args.cmd == "generate-torch":
        generate_torch(args.path, parse_size(args.size), args.tensors, args.seed)
    elif args.cmd == "generate-gguf":
        import numpy

        count, size = gguf_model.generate(args.path, parse_size(args.size), args.layers,
                                          numpy.random.default_rng(args.seed))
        print(json.dumps({"generated": args.path, "tensors": count, "bytes": size}))
    elif args.cmd == "read" and args.via == "torch":
        print(json.dumps(read_torch(args.path, args.hash)))
    elif args.cmd == "read":
        print(json.dumps(read(args.path, args.via, args.hash)))
    else:
        print(json.dumps(safe_open_half(args.uri, args.no_sign_request)))


if __name__ == "__main__":
    main()
