#!/usr/bin/python3
"""Loads a safetensors model from object storage into torch tensors the way an
inference server would, and reports the throughput.

    AWS_ENDPOINT_URL=http://127.0.0.1:7480 PYTHONPATH=build/python \\
        examples/load_weights.py s3://bucket/models/llama/          # index + shards
    examples/load_weights.py s3://bucket/model.safetensors --device cuda

The header is read and checked in at most two requests, the data region with
parallel ranged GETs (GIL released) into one buffer, and the tensors are views
of that buffer: no FUSE, no extra copy.
"""

import argparse
import time

import torch  # noqa: F401  (imported before timing, as a server would have)

import objectfs
from objectfs import safetensors


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("uri", help="a .safetensors object, an index .json, or a directory")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--part-size", default="8M")
    parser.add_argument("--max-parallel-requests", type=int, default=16)
    args = parser.parse_args()

    client = objectfs.Client(part_size=args.part_size,
                             max_parallel_requests=args.max_parallel_requests)
    start = time.perf_counter()
    tensors = safetensors.load_model(args.uri, device=args.device, client=client)
    seconds = time.perf_counter() - start

    size = sum(t.numel() * t.element_size() for t in tensors.values())
    print(f"{args.uri}: {len(tensors)} tensors, {size} bytes in {seconds:.3f} s: "
          f"{size / seconds / 1e9:.2f} GB/s")
    # An inference server would now do: model.load_state_dict(tensors, assign=True)


if __name__ == "__main__":
    main()
