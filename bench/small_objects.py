#!/usr/bin/python3
"""Many small objects from one prefix (bench/small_objects.sh runs it; system
Python: Debian's boto3 and torch, objectfs from PYTHONPATH=build/python).

  small_objects.py put ENV_FILE BUCKET PREFIX COUNT SIZE
        COUNT objects of SIZE random bytes, PREFIX/o000000 ...
  small_objects.py dataset ENV_FILE BUCKET PREFIX
        objectfs.torch.IterableDataset over the prefix, one process
  small_objects.py boto3 ENV_FILE BUCKET PREFIX [THREADS]
        one listing, then get_object of every key on a pool of THREADS (16) threads
  small_objects.py files DIR [THREADS]
        open().read() of every file under DIR (a mount) on THREADS (16) threads

Each prints one JSON line: seconds (listing included), cpu_seconds (user + system
of this process over the same span: what the client costs on a shared machine),
objects, bytes, sha256 of the bytes in key order, and the objectfs request
counters where there are any.
"""

import concurrent.futures
import hashlib
import json
import os
import resource
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "servers"))
import s3_fixtures  # noqa: E402


def digest(pairs):
    h = hashlib.sha256()
    total = 0
    for _, data in sorted(pairs):
        h.update(data)
        total += len(data)
    return h.hexdigest(), total


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def report(start, pairs, cpu_start, **extra):
    seconds = time.perf_counter() - start
    cpu = cpu_seconds() - cpu_start
    sha, total = digest(pairs)
    print(json.dumps({"seconds": round(seconds, 4), "cpu_seconds": round(cpu, 3),
                      "objects": len(pairs), "bytes": total, "sha256": sha, **extra}))


def put(env_file, bucket, prefix, count, size):
    env = s3_fixtures.load_env(env_file)
    s3 = s3_fixtures.make_client(env, max_pool=16)
    s3_fixtures.create_bucket(s3, bucket)

    def one(i):
        s3.put_object(Bucket=bucket, Key=f"{prefix}o{i:06d}", Body=os.urandom(size))

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        list(pool.map(one, range(count)))
    print(count)


def dataset(env_file, bucket, prefix):
    import objectfs
    from objectfs.torch import IterableDataset

    env = s3_fixtures.load_env(env_file)
    client = objectfs.Client(endpoint_url=env["RGW_ENDPOINT"], region="us-east-1",
                             aws_access_key_id=env["RGW_ACCESS_KEY"],
                             aws_secret_access_key=env["RGW_SECRET_KEY"])
    start, cpu_start = time.perf_counter(), cpu_seconds()
    pairs = list(IterableDataset(f"s3://{bucket}/{prefix}", client=client))
    stats = client.stats()
    report(start, pairs, cpu_start, **{k: stats[k] for k in ("head_requests", "get_requests",
                                                  "list_requests")})


def boto3_pool(env_file, bucket, prefix, threads):
    env = s3_fixtures.load_env(env_file)
    s3 = s3_fixtures.make_client(env, max_pool=threads)
    start, cpu_start = time.perf_counter(), cpu_seconds()
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys.extend(o["Key"] for o in page.get("Contents", []))

    def one(key):
        return key, s3.get_object(Bucket=bucket, Key=key)["Body"].read()

    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        pairs = list(pool.map(one, keys))
    report(start, pairs, cpu_start)


def files(root, threads):
    start, cpu_start = time.perf_counter(), cpu_seconds()
    paths = sorted(os.path.join(d, f) for d, _, names in os.walk(root) for f in names)

    def one(path):
        with open(path, "rb") as f:
            return os.path.relpath(path, root), f.read()

    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        pairs = list(pool.map(one, paths))
    report(start, pairs, cpu_start)


def main(argv):
    if len(argv) >= 6 and argv[0] == "put":
        put(argv[1], argv[2], argv[3], int(argv[4]), int(argv[5]))
    elif len(argv) == 4 and argv[0] == "dataset":
        dataset(*argv[1:])
    elif len(argv) in (4, 5) and argv[0] == "boto3":
        boto3_pool(*argv[1:4], int(argv[4]) if len(argv) == 5 else 16)
    elif len(argv) in (2, 3) and argv[0] == "files":
        files(argv[1], int(argv[2]) if len(argv) == 3 else 16)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
