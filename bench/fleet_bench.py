#!/usr/bin/python3
"""Fleet rows: N processes on one machine (each its own node: own memory, no
disk cache) reading the same object at once, for N = 1, 2, 4, 8, 16, as

  independent   no shared tier: every node pays the origin
  shared tier   --shared-cache, a cold tier (a fresh prefix): nodes publish what
                they fetch and read what the others already published
  cooperative   --shared-cache --fleet-size N --fleet-rank I: each node fetches
                1/N of the blocks from the origin and waits for the rest

Origin and tier traffic are summed from each node's --stats line; wall time is
from the first start to the last exit.

  bench/fleet_bench.py ENV_FILE --objectfs build/objectfs [--size 256M] [--nodes 1,2,4,8,16]
"""

import argparse
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import time
import uuid

from peer_mounts import boto3_client, client_env, load_env, parse_size

ORIGIN, TIER = "bench-fleet", "bench-fleet-tier"


def node(args, env, flags):
    result = subprocess.run([args.objectfs, "--stats", "--memory-limit", "128M", *flags, "cat",
                             f"s3://{ORIGIN}/model.bin"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, check=True)
    line = [l for l in result.stderr.decode().splitlines() if l.startswith("stats:")][-1]
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)\b(?!\.)", line)}


def run(args, env, n, mode):
    prefix = f"s3://{TIER}/{uuid.uuid4().hex[:8]}/"
    flags = {"independent": lambda i: [],
             "shared tier": lambda i: ["--shared-cache", prefix],
             "cooperative": lambda i: ["--shared-cache", prefix, "--fleet-size", str(n),
                                       "--fleet-rank", str(i)]}[mode]
    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(n) as pool:
        stats = list(pool.map(lambda i: node(args, env, flags(i)), range(n)))
    wall = time.monotonic() - start
    total = lambda key: sum(s[key] for s in stats)  # noqa: E731
    return {"nodes": n, "mode": mode, "origin_gets": total("get_requests"),
            "origin_bytes": total("bytes_downloaded"),
            "tier_gets": total("shared_hits") + total("shared_misses"),
            "tier_bytes_read": total("shared_bytes_read"),
            "tier_bytes_written": total("shared_bytes_written"), "wall_s": round(wall, 2)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("env_file")
    ap.add_argument("--objectfs", required=True)
    ap.add_argument("--size", default="256M")
    ap.add_argument("--nodes", default="1,2,4,8,16")
    args = ap.parse_args()
    rgw = load_env(args.env_file)
    size = parse_size(args.size)
    env = client_env(rgw)
    s3 = boto3_client(rgw)
    for bucket in (ORIGIN, TIER):
        try:
            s3.create_bucket(Bucket=bucket)
        except s3.exceptions.ClientError:
            pass
    s3.put_object(Bucket=ORIGIN, Key="model.bin", Body=os.urandom(1 << 20) * (size >> 20))
    rows = []
    try:
        for n in (int(x) for x in args.nodes.split(",")):
            for mode in ("independent", "shared tier", "cooperative"):
                row = run(args, env, n, mode)
                rows.append(row)
                print(json.dumps(row), file=sys.stderr)
    finally:
        paginator = s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=TIER):
            for obj in page.get("Contents", []):
                s3.delete_object(Bucket=TIER, Key=obj["Key"])
    mib = 1 << 20
    print("| nodes | mode | origin GETs | origin MiB (x object) | tier GETs | tier MiB read | "
          "tier MiB written | wall s | aggregate MB/s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['nodes']} | {r['mode']} | {r['origin_gets']} | {r['origin_bytes'] / mib:.0f} "
              f"({r['origin_bytes'] / size:.2f}x) | {r['tier_gets']} | "
              f"{r['tier_bytes_read'] / mib:.0f} | {r['tier_bytes_written'] / mib:.0f} | "
              f"{r['wall_s']} | {r['nodes'] * size / r['wall_s'] / 1e6:.0f} |")


if __name__ == "__main__":
    main()
