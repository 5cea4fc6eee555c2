#!/usr/bin/python3
"""Cost rows: the requests each client sends for the same workload, counted in
RGW's own access log (one `beast:` line per request), and what they would cost at
S3 Standard list prices (docs/observability.md). Workloads:

  cold load   one read of a SIZE model through a fresh mount (objectfs, s3fs,
              rclone) and `objectfs cp`
  ls -lR      of a 10,000-object tree (5 directories) from a fresh mount
  warm load   the model read again from each client's local cache (objectfs
              --cache-dir after `objectfs warm`, s3fs use_cache, rclone
              --vfs-cache-mode full), from a fresh mount; x 24 for a day of hourly
              restarts

objectfs's own estimate (`--stats` cost_usd) is printed next to the count from
the server's log, so the two can be compared.

  bench/cost_bench.py ENV_FILE --objectfs build/objectfs [--size 2G] [--work DIR]

ENV_FILE is what tests/servers/rgw.sh writes. Needs root (FUSE mounts).
"""

import argparse
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import time

from peer_mounts import PeerMount, boto3_client, client_env, load_env, parse_size

MIB = 1 << 20
BUCKET = "bench-cost"
TREE_BUCKET = "bench-cost-tree"
TREE_DIRS, TREE_FILES = 5, 2000
# S3 Standard, us-east-1 (the built-in table): per 1,000 requests, per GB.
PRICES = {"get": 0.0004, "head": 0.0004, "list": 0.005, "put": 0.005, "delete": 0.0}
EGRESS_PER_GB = 0.09
ACCESS = re.compile(r'beast: \S+ \S+ - \S+ \[[^]]+\] "(\w+) (\S+) HTTP/[\d.]+" (\d+) (\d+)')


class RequestLog:
    """Requests RGW logged since mark(), by class, and the body bytes it sent."""

    def __init__(self, path):
        self.path = path
        self.offset = 0

    def mark(self):
        self.offset = os.path.getsize(self.path)

    def since_mark(self):
        time.sleep(1.0)  # radosgw writes its log from a background thread
        counts = dict.fromkeys(PRICES, 0)
        sent = 0
        with open(self.path, "rb") as f:
            f.seek(self.offset)
            for line in f.read().decode(errors="replace").splitlines():
                m = ACCESS.search(line)
                if not m:
                    continue
                method, target, _status, size = m.groups()
                path = target.split("?", 1)[0].strip("/")
                if method == "HEAD":
                    counts["head"] += 1
                elif method == "GET" and "/" not in path:  # bucket level: a listing
                    counts["list"] += 1
                elif method == "GET":
                    counts["get"] += 1
                    sent += int(size)
                elif method in ("PUT", "POST"):
                    counts["put"] += 1
                elif method == "DELETE":
                    counts["delete"] += 1
        return counts, sent


def dollars(counts, sent):
    requests = sum(counts[c] * PRICES[c] / 1000 for c in counts)
    return requests, sent / 2**30 * EGRESS_PER_GB


def setup(s3, model, size):
    for bucket in (BUCKET, TREE_BUCKET):
        try:
            s3.create_bucket(Bucket=bucket)
        except s3.exceptions.ClientError:
            pass
    head = s3.list_objects_v2(Bucket=BUCKET, Prefix="model.bin").get("Contents", [])
    if not head or head[0]["Size"] != size:
        block = os.urandom(MIB)
        with open(model, "wb") as f:
            for i in range(size // MIB):
                f.write(i.to_bytes(8, "little") + block[8:])
        s3.upload_file(model, BUCKET, "model.bin")
        os.unlink(model)
    have = s3.list_objects_v2(Bucket=TREE_BUCKET, MaxKeys=1).get("KeyCount", 0)
    if not have:
        keys = [f"d{d}/f{i:05d}.txt" for d in range(TREE_DIRS) for i in range(TREE_FILES)]
        with concurrent.futures.ThreadPoolExecutor(32) as pool:
            list(pool.map(lambda k: s3.put_object(Bucket=TREE_BUCKET, Key=k, Body=b"x"), keys))


def objectfs_cost(log_file):
    """objectfs's own estimate from its --stats line (the daemon's log)."""
    text = open(log_file, encoding="utf-8", errors="replace").read()
    found = re.findall(r"cost_usd=([\d.]+)", text)
    return float(found[-1]) if found else None


def run_row(rows, workload, client, requests_log, action, estimate=None):
    requests_log.mark()
    start = time.monotonic()
    action()
    seconds = time.monotonic() - start
    counts, sent = requests_log.since_mark()
    request_cost, egress_cost = dollars(counts, sent)
    row = {"workload": workload, "client": client, "seconds": round(seconds, 2),
           **counts, "bytes": sent, "requests_usd": request_cost, "egress_usd": egress_cost}
    if estimate is not None:
        row["objectfs_estimate_usd"] = estimate()
    rows.append(row)
    print(json.dumps(row), file=sys.stderr)


def mount_row(rows, workload, client, log, mount, action):
    """run_row of action(mnt) through `mount`; objectfs's estimate from its --stats line."""
    with mount:
        run_row(rows, workload, client, log, lambda: action(mount.mnt))
    if mount.kind == "objectfs":
        rows[-1]["objectfs_estimate_usd"] = objectfs_cost(mount.log)


def read_file(path):
    subprocess.run(["cat", path], stdout=subprocess.DEVNULL, check=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("env_file")
    ap.add_argument("--objectfs", required=True)
    ap.add_argument("--size", default="2G")
    ap.add_argument("--work", default="/tmp/objectfs-cost-bench")
    args = ap.parse_args()
    rgw = load_env(args.env_file)
    size = parse_size(args.size)
    env = client_env(rgw)
    s3 = boto3_client(rgw)
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    setup(s3, os.path.join(args.work, "model.bin"), size)
    log = RequestLog(os.path.join(rgw["RGW_DIR"], "log", "client.rgw.a.log"))
    rows = []
    ofs = args.objectfs
    model = f"cold load of a {size // MIB} MiB model"

    for kind in ("objectfs", "s3fs", "rclone"):
        extra = ("--stats",) if kind == "objectfs" else ()
        mount_row(rows, model, f"{kind} mount, cat", log,
                  PeerMount(kind, BUCKET, rgw, env, args.work, ofs, extra, name=f"cold-{kind}"),
                  lambda mnt: read_file(os.path.join(mnt, "model.bin")))
    stats = os.path.join(args.work, "cp.stats")

    def objectfs_cp():
        with open(stats, "wb") as err:
            subprocess.run([ofs, "--stats", "cp", "--no-progress", f"s3://{BUCKET}/model.bin",
                            "/dev/null"], env=env, stderr=err, check=True)

    run_row(rows, model, "objectfs cp", log, objectfs_cp, lambda: objectfs_cost(stats))

    tree = f"ls -lR of {TREE_DIRS * TREE_FILES} objects"
    for kind in ("objectfs", "s3fs", "rclone"):
        extra = ("--stats",) if kind == "objectfs" else ()
        mount_row(rows, tree, f"{kind} mount", log,
                  PeerMount(kind, TREE_BUCKET, rgw, env, args.work, ofs, extra, name=f"tree-{kind}"),
                  lambda mnt: subprocess.run(["ls", "-lR", mnt], stdout=subprocess.DEVNULL,
                                             check=True))

    warm = f"warm load of the {size // MIB} MiB model from the local cache"
    cache = {"objectfs": ("--cache-dir", os.path.join(args.work, "ofs-cache")),
             "s3fs": ("-o", f"use_cache={os.path.join(args.work, 's3fs-cache')}"),
             "rclone": ("--vfs-cache-mode", "full", "--vfs-cache-max-age", "48h")}
    subprocess.run([ofs, "warm", "--no-progress", *cache["objectfs"], f"s3://{BUCKET}/model.bin"],
                   env=env, check=True, stdout=subprocess.DEVNULL)
    for kind in ("objectfs", "s3fs", "rclone"):
        extra = (*cache[kind], "--stats") if kind == "objectfs" else cache[kind]
        if kind != "objectfs":  # fill the peer's cache first (not counted)
            with PeerMount(kind, BUCKET, rgw, env, args.work, ofs, extra, name=f"fill-{kind}") as m:
                read_file(os.path.join(m.mnt, "model.bin"))
        mount_row(rows, warm, f"{kind} mount, cat", log,
                  PeerMount(kind, BUCKET, rgw, env, args.work, ofs, extra, name=f"warm-{kind}"),
                  lambda mnt: read_file(os.path.join(mnt, "model.bin")))

    print("| workload | client | GET | HEAD | LIST | PUT | GiB sent | requests $ | egress $ "
          "(internet) | objectfs's own estimate $ | s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        estimate = r.get("objectfs_estimate_usd")
        print(f"| {r['workload']} | {r['client']} | {r['get']} | {r['head']} | {r['list']} | "
              f"{r['put']} | {r['bytes'] / 2**30:.2f} | {r['requests_usd']:.6f} | "
              f"{r['egress_usd']:.4f} | {'' if estimate is None else f'{estimate:.6f}'} | "
              f"{r['seconds']} |")
    for r in rows:
        if r["workload"] == warm:
            day = 24 * (r["requests_usd"] + r["egress_usd"])
            print(f"a day of hourly warm loads, {r['client']}: ${day:.6f}", file=sys.stderr)


if __name__ == "__main__":
    main()
