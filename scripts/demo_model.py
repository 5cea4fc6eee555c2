#!/usr/bin/python3
"""The demo's model: generate it, and load it back the ways an inference server would.

  demo_model.py generate PATH SIZE_MIB    a safetensors file of mixed-size float16/bfloat16/
                                          float32 tensors (deterministic); prints its sha256
  demo_model.py load SOURCE REFERENCE     load SOURCE (an s3:// URI or a path, e.g. through
                                          the mount) with objectfs.safetensors.load_file
                                          into CPU torch tensors,
                                          compare every tensor with REFERENCE (a local
                                          file), print one JSON line: seconds, GB/s, tensors

Needs the objectfs Python package (PYTHONPATH=build/python), python3-numpy and python3-torch.
"""

import hashlib
import json
import os
import sys
import time

import numpy as np


def generate(path, size_mib):
    from objectfs import safetensors

    rng = np.random.default_rng(7)
    tensors, total, i = {}, 0, 0
    target = size_mib << 20
    # Transformer-like: big matrices, small norms and biases.
    shapes = [(1024, 1024), (4096,), (1024, 4096), (4096, 1024), (1024,), (256, 1024)]
    while total < target:
        shape = shapes[i % len(shapes)]
        dtype = (np.float16, np.float32)[i % 2]
        t = rng.standard_normal(shape, dtype=np.float32).astype(dtype)
        tensors[f"layers.{i // len(shapes)}.w{i % len(shapes)}"] = t
        total += t.nbytes
        i += 1
    safetensors.save_file(tensors, path, metadata={"format": "pt", "generator": "objectfs demo"})
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(8 << 20):
            h.update(chunk)
    print(h.hexdigest())


def load(source, reference):
    import objectfs
    import torch  # noqa: F401  (imported before the clock starts: ~2-4 s on its own)
    from objectfs import safetensors

    t0 = time.monotonic()
    loaded = safetensors.load_file(source)  # CPU torch tensors, as a server loads them
    secs = time.monotonic() - t0
    want = safetensors.load_file(reference, framework="np")
    if set(loaded) != set(want):
        sys.exit(f"{source}: tensor names differ from {reference}")
    nbytes = 0
    for name, tensor in want.items():
        got = loaded[name].numpy()
        if got.shape != tensor.shape or got.tobytes() != tensor.tobytes():
            sys.exit(f"{source}: tensor {name} differs from {reference}")
        nbytes += got.nbytes
    print(json.dumps({"source": source, "tensors": len(loaded), "bytes": nbytes,
                      "seconds": round(secs, 3), "GBps": round(nbytes / secs / 1e9, 2),
                      "objectfs": getattr(objectfs, "__version__", "?")}))


def main(argv):
    if len(argv) == 4 and argv[1] == "generate":
        generate(argv[2], int(argv[3]))
    elif len(argv) == 4 and argv[1] == "load":
        load(argv[2], argv[3])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    sys.exit(main(sys.argv))
