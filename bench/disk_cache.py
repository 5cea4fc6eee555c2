#!/usr/bin/python3
"""Disk cache benchmark: `objectfs warm` of some objects into an empty cache,
then (optionally) a warm read of one object from that cache through the C++ API
against reading a local copy of it (build/bench/disk_cache_read).

    bench/disk_cache.py --objectfs build/objectfs --cache-dir /tmp/bench-cache \\
        [--reader build/bench/disk_cache_read --read s3://b/big.bin --local /tmp/big.bin] \\
        s3://b/obj0 ... s3://b/obj7

Runs against an already-started server: the endpoint and credentials come from
the environment (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, ...) or --endpoint-url.
Prints one JSON line: warm seconds, bytes and GB/s (wall time of the warm
process, cache cleared first), and the reader's JSON under "read".
"""

import argparse
import json
import re
import subprocess
import sys
import time

UNITS = {"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--objectfs", default="build/objectfs")
    parser.add_argument("--cache-dir", required=True)
    parser.add_argument("--cache-size", default="")
    parser.add_argument("--endpoint-url", default="")
    parser.add_argument("--no-sign-request", action="store_true", help="anonymous (e.g. nginx)")
    parser.add_argument("--reader", default="build/bench/disk_cache_read")
    parser.add_argument("--read", help="object to read back from the cache (C++ API)")
    parser.add_argument("--local", help="local copy of --read, the speed reference")
    parser.add_argument("--repeat", type=int, default=5,
                        help="reads of each kind; the best counts (each takes ~0.1 s)")
    parser.add_argument("uris", nargs="+", help="objects or prefixes to warm")
    args = parser.parse_args()

    common = ["--cache-dir", args.cache_dir]
    if args.cache_size:
        common += ["--cache-size", args.cache_size]
    if args.endpoint_url:
        common += ["--endpoint-url", args.endpoint_url]
    if args.no_sign_request:
        common += ["--no-sign-request"]
    subprocess.run([args.objectfs, *common, "cache", "clear"], check=True,
                   stdout=subprocess.DEVNULL)
    start = time.monotonic()
    warm = subprocess.run([args.objectfs, *common, "--stats", "warm", "--no-progress", *args.uris],
                          capture_output=True, text=True)
    seconds = time.monotonic() - start
    if warm.returncode != 0:
        sys.exit(f"warm failed ({warm.returncode}): {warm.stderr}")
    summary = warm.stdout.strip().splitlines()[-1]
    match = re.search(r"warm: (\d+) objects, ([\d.]+) (\w+) in", summary)
    gets = re.search(r"get_requests=(\d+)", warm.stderr)
    stats_bytes = re.search(r"bytes_downloaded=(\d+)", warm.stderr)
    warm_bytes = int(stats_bytes.group(1)) if stats_bytes else int(
        float(match.group(2)) * UNITS[match.group(3)])
    result = {
        "warm_objects": int(match.group(1)),
        "warm_bytes": warm_bytes,
        "warm_seconds": round(seconds, 3),
        "warm_GBps": round(warm_bytes / seconds / 1e9, 3),
        "warm_get_requests": int(gets.group(1)) if gets else None,
    }
    if args.read:
        cmd = [args.reader, args.read, "--cache-dir", args.cache_dir, "--repeat", str(args.repeat)]
        if args.local:
            cmd += ["--local", args.local]
        if args.endpoint_url:
            cmd += ["--endpoint-url", args.endpoint_url]
        if args.no_sign_request:
            cmd += ["--no-sign-request"]
        read = subprocess.run(cmd, capture_output=True, text=True)
        if read.returncode != 0:
            sys.exit(f"disk_cache_read failed: {read.stderr}")
        result["read"] = json.loads(read.stdout)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
