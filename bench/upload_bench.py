#!/usr/bin/python3
"""Upload rows: `objectfs cp` of one file from tmpfs to S3 against the limit
(8 parallel signed `curl -T` PUTs of one eighth each), `aws s3 cp` (Debian's
awscli) and boto3 `upload_file` with their defaults; and `cp` of the same file
into a read-write objectfs mount, an s3fs mount and an rclone mount (default
options; the time includes close(), when each has stored the object). Every
client runs in its own process under /usr/bin/time (peak RSS; for mounts the
daemon's VmHWM); best of --repeat runs.

  bench/upload_bench.py ENV_FILE --objectfs build/objectfs [--size 1G] [--repeat 2]

ENV_FILE is what tests/servers/rgw.sh writes (RGW_ENDPOINT, keys). Prints one
markdown table row per client and a JSON line per run on stderr.
"""

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time

from peer_mounts import PeerMount, boto3_client, client_env, load_env, parse_size

MIB = 1 << 20
BUCKET = "bench-upload"


def timed(cmd, env):
    """Seconds and peak RSS (MiB) of one process."""
    start = time.monotonic()
    r = subprocess.run(["/usr/bin/time", "-f", "maxrss_kib=%M", *cmd], env=env,
                       capture_output=True)
    seconds = time.monotonic() - start
    err = r.stderr.decode(errors="replace")
    if r.returncode != 0:
        sys.exit(f"{cmd[0]} failed (rc {r.returncode}): {err[-500:]}")
    return seconds, int(err.split("maxrss_kib=")[-1].split()[0]) / 1024


def parallel_curl(path, size, rgw, env, parts=8):
    """8 curls in parallel, each PUTting one eighth (pre-split in tmpfs)."""
    pieces = []
    step = (size + parts - 1) // parts
    with open(path, "rb") as f:
        for i in range(parts):
            piece = f"{path}.piece{i}"
            with open(piece, "wb") as out:
                out.write(f.read(step))
            pieces.append(piece)
    try:
        start = time.monotonic()
        procs = [subprocess.Popen(
            ["/usr/bin/time", "-f", "maxrss_kib=%M", "curl", "-sf", "-o", "/dev/null",
             "--aws-sigv4", "aws:amz:us-east-1:s3",
             "--user", f"{rgw['RGW_ACCESS_KEY']}:{rgw['RGW_SECRET_KEY']}",
             "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD",
             "-T", piece, f"{rgw['RGW_ENDPOINT']}/{BUCKET}/curl-piece{i}"],
            env=env, stderr=subprocess.PIPE) for i, piece in enumerate(pieces)]
        rss = 0.0
        for p in procs:
            _, err = p.communicate()
            if p.returncode != 0:
                sys.exit(f"curl failed: {err.decode()[-300:]}")
            rss += int(err.decode().split("maxrss_kib=")[-1].split()[0]) / 1024
        return time.monotonic() - start, rss
    finally:
        for piece in pieces:
            os.unlink(piece)


def mount_copy(kind, path, rgw, env, args, work):
    """Starts a mount of BUCKET, times `cp FILE MNT/KEY` (close included),
    unmounts; returns seconds and the daemon's peak RSS."""
    extra = ("--read-write", "--allow-overwrite") if kind == "objectfs" else ()
    with PeerMount(kind, BUCKET, rgw, env, work, args.objectfs, extra) as mount:
        start = time.monotonic()
        subprocess.run(["cp", path, os.path.join(mount.mnt, f"mount-{kind}")], check=True)
        return time.monotonic() - start, mount.peak_rss_mib()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("env_file")
    ap.add_argument("--objectfs", required=True)
    ap.add_argument("--size", default="1G")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--tmp", default="/dev/shm")
    ap.add_argument("--work", default="/tmp/objectfs-upload-bench")
    ap.add_argument("--no-mounts", action="store_true")
    args = ap.parse_args()
    rgw = load_env(args.env_file)
    size = parse_size(args.size)
    env = client_env(rgw)
    s3 = boto3_client(rgw)
    try:
        s3.create_bucket(Bucket=BUCKET)
    except s3.exceptions.ClientError:
        pass
    path = os.path.join(args.tmp, "objectfs-upload-bench.bin")
    block = os.urandom(MIB)
    with open(path, "wb") as f:
        for i in range(size // MIB):
            f.write(i.to_bytes(8, "little") + block[8:])
    digest = hashlib.md5(open(path, "rb").read()).hexdigest()
    boto_script = ("import boto3,os,sys; boto3.client('s3', endpoint_url=os.environ["
                   "'AWS_ENDPOINT_URL']).upload_file(sys.argv[1], sys.argv[2], sys.argv[3])")
    clients = {
        "curl x8": lambda: parallel_curl(path, size, rgw, env),
        "objectfs cp": lambda: timed([args.objectfs, "cp", "--no-progress", path,
                                      f"s3://{BUCKET}/objectfs"], env),
        "objectfs cp --memory-limit 256M": lambda: timed(
            [args.objectfs, "--memory-limit", "256M", "cp", "--no-progress", path,
             f"s3://{BUCKET}/objectfs-256"], env),
        "aws s3 cp": lambda: timed(["/usr/bin/aws", "--endpoint-url", rgw["RGW_ENDPOINT"], "s3",
                                    "cp", "--only-show-errors", path,
                                    f"s3://{BUCKET}/aws"], env),
        "boto3 upload_file": lambda: timed(["/usr/bin/python3", "-c", boto_script, path, BUCKET,
                                            "boto3"], env),
    }
    os.makedirs(args.work, exist_ok=True)
    if not args.no_mounts:
        for kind in ("objectfs", "s3fs", "rclone"):
            clients[f"cp into a {kind} mount"] = (
                lambda kind=kind: mount_copy(kind, path, rgw, env, args, args.work))
    best = {}
    try:
        for _ in range(args.repeat):
            for name, run in clients.items():
                tool = {"aws s3 cp": "/usr/bin/aws", "cp into a s3fs mount": "/usr/bin/s3fs",
                        "cp into a rclone mount": "/usr/bin/rclone"}.get(name)
                if tool and not os.path.exists(tool):
                    continue
                seconds, rss = run()
                if name != "objectfs cp":  # kept for the byte check below
                    # Memory-backed test servers (RGW memstore) free what is deleted.
                    for obj in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []):
                        if obj["Key"] != "objectfs":
                            s3.delete_object(Bucket=BUCKET, Key=obj["Key"])
                print(json.dumps({"client": name, "seconds": round(seconds, 3),
                                  "rss_mib": round(rss, 1)}), file=sys.stderr)
                if name not in best or seconds < best[name][0]:
                    best[name] = (seconds, rss)
    finally:
        os.unlink(path)
    # The objectfs object must be the file, byte for byte (multipart ETags are
    # not an MD5, so read it back).
    body = s3.get_object(Bucket=BUCKET, Key="objectfs")["Body"].read()
    if hashlib.md5(body).hexdigest() != digest:
        sys.exit("objectfs upload does not match the file")
    limit = best["curl x8"][0]
    for name, (seconds, rss) in best.items():
        ratio = limit / seconds
        print(f"| {name} | RGW | {size // MIB} MiB from tmpfs to S3 | {seconds:.2f} | "
              f"{size / seconds / 1e6:.0f} | {ratio:.2f} | {rss:.1f} | best of {args.repeat} |")
    mount = best.get("cp into a objectfs mount")
    for peer in ("s3fs", "rclone"):
        other = best.get(f"cp into a {peer} mount")
        if mount and other:
            print(f"objectfs mount vs {peer} mount: {other[0] / mount[0]:.2f}x", file=sys.stderr)


if __name__ == "__main__":
    main()
