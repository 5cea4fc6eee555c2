#!/usr/bin/python3
"""Safetensors load benchmark for the Python package: one load per process,
one JSON line on stdout (run it once per row, with the page cache dropped
between cold runs; bench/compare.sh does that).

  # a ~2 GiB model with a few hundred tensors of mixed sizes and dtypes
  bench/python_load.py generate /tmp/model.safetensors --size 2G --tensors 320
  bench/bench_util.py upload "$RGW_ENV" bench model.safetensors /tmp/model.safetensors 8388608 8

  # objectfs.safetensors.load_file straight from S3 into CPU torch tensors
  AWS_ENDPOINT_URL=http://127.0.0.1:PORT AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... \\
    PYTHONPATH=build/python bench/python_load.py s3 s3://bench/model.safetensors

  # the same load from a local path, e.g. an s3fs mount of the same bucket:
  # --loader read: parse the header, read the data region with sequential reads
  #   into one buffer, torch views of it (what a careful pure-Python loader does);
  # --loader mmap: mmap the file and copy each tensor out (the safetensors
  #   library's way); --loader objectfs: objectfs.safetensors on the local path.
  bench/python_load.py local /mnt/s3fs/model.safetensors --loader read

Environment instead of arguments: OBJECTFS_BENCH_URI (s3 mode),
AWS_ENDPOINT_URL and the usual AWS_* credentials.

Output fields: mode, source, loader, tensors, bytes (data region), seconds
(open + header + data + tensor views), gb_per_s (bytes / seconds / 1e9),
peak_rss_mib (ru_maxrss of the process), base_rss_mib (after imports, before
the load), rss_over_model ((peak - base) / bytes), and for objectfs the
client's request counters. --hash adds the sha256 of all tensor bytes in name
order (the same for every loader when the bytes are right).
"""

import argparse
import hashlib
import json
import mmap
import os
import resource
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
MIB = 1 << 20
SIZES = {"F16": 2, "BF16": 2, "F32": 4}


def parse_size(text):
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    text = text.strip()
    return int(text[:-1]) * units[text[-1]] if text[-1] in units else int(text)


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# -- generator ------------------------------------------------------------------

def plan_tensors(total, count, seed):
    """(name, dtype, shape) for `count` tensors of mixed sizes summing to about `total`
    bytes: a few large embedding-like ones, many medium matrices, small vectors."""
    import numpy

    rng = numpy.random.default_rng(seed)
    weights = rng.lognormal(mean=0.0, sigma=2.0, size=count)
    weights[: max(1, count // 40)] *= 20  # some very large ones
    weights /= weights.sum()
    dtypes = rng.choice(list(SIZES), size=count, p=[0.45, 0.45, 0.10])
    plan = []
    for i, (weight, dtype) in enumerate(zip(weights, dtypes)):
        elements = max(1, int(total * weight) // SIZES[dtype])
        cols = 4096 if elements >= 4096 * 16 else (256 if elements >= 256 * 4 else 1)
        rows = max(1, elements // cols)
        shape = [rows, cols] if cols > 1 else [rows]
        plan.append((f"layers.{i:04d}.weight", str(dtype), shape))
    # Widest dtypes first, as the safetensors library writes them: every tensor
    # then starts aligned to its element size.
    return sorted(plan, key=lambda entry: (-SIZES[entry[1]], entry[0]))


def generate(path, total, count, seed):
    import numpy

    plan = plan_tensors(total, count, seed)
    header, offset = {"__metadata__": {"format": "pt", "generator": "bench/python_load.py"}}, 0
    for name, dtype, shape in plan:
        nbytes = SIZES[dtype] * int(numpy.prod(shape))
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    rng = numpy.random.default_rng(seed + 1)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text)
        for name, dtype, shape in plan:
            left = header[name]["data_offsets"][1] - header[name]["data_offsets"][0]
            while left:
                chunk = min(left, 64 * MIB)
                f.write(rng.integers(0, 256, size=chunk, dtype=numpy.uint8).tobytes())
                left -= chunk
    print(json.dumps({"generated": path, "tensors": len(plan), "bytes": os.path.getsize(path)}))


# -- loaders ----------------------------------------------------------------------

def load_objectfs(uri, args):
    import objectfs

    options = {k: v for k, v in (("part_size", args.part_size),
                                 ("max_parallel_requests", args.max_parallel_requests),
                                 ("memory_limit", args.memory_limit)) if v is not None}
    if args.no_sign_request:
        options["no_sign_request"] = True
    client = objectfs.Client(**options)
    start = time.perf_counter()
    tensors = objectfs.safetensors.load_file(uri, client=client)
    seconds = time.perf_counter() - start
    return tensors, seconds, {"requests": client.stats()}


def _local_header(f):
    (length,) = struct.unpack("<Q", f.read(8))
    header = json.loads(f.read(length))
    header.pop("__metadata__", None)
    return 8 + length, header


def _views(buffer, header, copy):
    import torch

    dtypes = {"F16": torch.float16, "BF16": torch.bfloat16, "F32": torch.float32}
    tensors = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        count = (end - begin) // SIZES[entry["dtype"]]
        tensor = torch.frombuffer(buffer, dtype=dtypes[entry["dtype"]], count=count,
                                  offset=begin).reshape(entry["shape"])
        tensors[name] = tensor.clone() if copy else tensor
    return tensors


def load_local(path, args):
    import numpy

    if args.loader == "objectfs":
        import objectfs

        start = time.perf_counter()
        tensors = objectfs.safetensors.load_file(path, client=objectfs.Client())
        return tensors, time.perf_counter() - start, {}
    start = time.perf_counter()
    with open(path, "rb", buffering=0) as f:
        data_offset, header = _local_header(f)
        size = os.fstat(f.fileno()).st_size - data_offset
        if args.loader == "mmap":
            with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_COPY) as mapped:
                region = numpy.frombuffer(mapped, dtype=numpy.uint8, offset=data_offset)
                tensors = _views(region, header, copy=True)
                del region
        else:
            buffer = numpy.empty(size, dtype=numpy.uint8)
            view, done = memoryview(buffer), 0
            while done < size:
                n = f.readinto(view[done:done + 64 * MIB])
                if not n:
                    raise OSError(f"{path}: ended after {done} of {size} data bytes")
                done += n
            tensors = _views(buffer, header, copy=False)
    return tensors, time.perf_counter() - start, {}


def tensors_sha256(tensors):
    import torch

    digest = hashlib.sha256()
    for _, tensor in sorted(tensors.items()):
        if tensor.numel():
            digest.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="mode", required=True)
    gen = sub.add_parser("generate", help="write a synthetic model")
    gen.add_argument("path")
    gen.add_argument("--size", default="2G")
    gen.add_argument("--tensors", type=int, default=320)
    gen.add_argument("--seed", type=int, default=1)
    s3 = sub.add_parser("s3", help="objectfs.safetensors.load_file from a URI")
    s3.add_argument("uri", nargs="?", default=os.environ.get("OBJECTFS_BENCH_URI"))
    s3.add_argument("--part-size")
    s3.add_argument("--max-parallel-requests", type=int)
    s3.add_argument("--memory-limit")
    s3.add_argument("--no-sign-request", action="store_true", help="anonymous (e.g. nginx)")
    local = sub.add_parser("local", help="load a local path (e.g. an s3fs mount)")
    local.add_argument("path")
    local.add_argument("--loader", choices=["read", "mmap", "objectfs"], default="read")
    for p in (s3, local):
        p.add_argument("--hash", action="store_true", help="add the sha256 of the tensor bytes")
    args = parser.parse_args(argv)

    if args.mode == "generate":
        generate(args.path, parse_size(args.size), args.tensors, args.seed)
        return 0
    if args.mode == "s3" and not args.uri:
        parser.error("s3: give a URI or set OBJECTFS_BENCH_URI")

    import numpy  # noqa: F401  (imports before the baseline RSS, as a server would have)
    import torch  # noqa: F401

    if args.mode == "s3":
        sys.path.insert(0, os.path.join(HERE, "..", "build", "python"))
    base = peak_rss_mib()
    if args.mode == "s3":
        tensors, seconds, extra = load_objectfs(args.uri, args)
        source, loader = args.uri, "objectfs"
    else:
        tensors, seconds, extra = load_local(args.path, args)
        source, loader = args.path, args.loader
    nbytes = sum(t.numel() * t.element_size() for t in tensors.values())
    peak = peak_rss_mib()
    result = {"mode": args.mode, "source": source, "loader": loader, "tensors": len(tensors),
              "bytes": nbytes, "seconds": round(seconds, 4),
              "gb_per_s": round(nbytes / seconds / 1e9, 3) if seconds else None,
              "peak_rss_mib": round(peak, 1), "base_rss_mib": round(base, 1),
              "rss_over_model": round((peak - base) * MIB / nbytes, 3) if nbytes else None,
              **extra}
    if args.hash:
        result["sha256"] = tensors_sha256(tensors)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
