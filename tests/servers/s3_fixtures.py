#!/usr/bin/python3
"""Independent S3 client (boto3) that creates test fixtures on the test S3 server.

Usage:  /usr/bin/python3 tests/servers/s3_fixtures.py ENV_FILE COMMAND ARGS...

ENV_FILE is the file written by `tests/servers/rgw.sh start DIR` (DIR/env):
RGW_ENDPOINT, RGW_ACCESS_KEY, RGW_SECRET_KEY (S3_ENDPOINT / S3_ACCESS_KEY /
S3_SECRET_KEY are accepted too, so other servers can reuse this script).

Commands:
  create-bucket NAME                    create (ok if it already exists and is ours)
  put BUCKET KEY FILE                   single PUT of FILE; prints sha256
  put-bytes BUCKET KEY SIZE SEED [PART] SIZE deterministic pseudo-random bytes; prints sha256.
                                        With PART (bytes), a multipart upload with parts of
                                        exactly PART bytes (last one shorter) instead of one PUT.
  gen-bytes SIZE SEED FILE              write the same bytes to a local FILE; prints sha256
  delete BUCKET KEY                     delete one object
  list BUCKET [PREFIX]                  print "size<TAB>etag<TAB>key" for every object (paginated)
  make-standard-fixtures BUCKET DIR     create BUCKET, upload the standard set, save each
                                        object's bytes to DIR/<index> and write DIR/manifest.json

Deterministic bytes for (SIZE, SEED): the concatenation over i = 0, 1, 2, ... of
SHAKE128(utf8(f"{SEED}:{i}")) truncated to 1 MiB (1048576 bytes) per block, cut to SIZE
bytes. Any block can be regenerated on its own (see `det_block`), so tests can check a
range without the whole object, and nothing ever holds more than one block in memory.

manifest.json maps each key to
  {"index": N, "size": BYTES, "sha256": HEX, "file": "DIR/N", "etag": "..."}
or, for a key the server refused, {"index": N, "skipped": true, "reason": "..."}.
"""

import concurrent.futures
import hashlib
import io
import json
import os
import sys
import time

import boto3
import botocore.config
import botocore.exceptions

BLOCK = 1 << 20


def det_block(seed, i):
    """Block i (1 MiB) of the deterministic stream for SEED."""
    return hashlib.shake_128(f"{seed}:{i}".encode("utf-8")).digest(BLOCK)


def det_chunks(size, seed):
    """Yield the deterministic bytes for (size, seed) one block at a time."""
    i = 0
    left = size
    while left > 0:
        b = det_block(seed, i)
        if left < BLOCK:
            b = b[:left]
        yield b
        left -= len(b)
        i += 1


def det_sha256(size, seed):
    h = hashlib.sha256()
    for c in det_chunks(size, seed):
        h.update(c)
    return h.hexdigest()


class DetStream(io.RawIOBase):
    """Seekable read-only file object over the deterministic bytes [start, start+size)."""

    def __init__(self, size, seed, start=0):
        super().__init__()
        self._seed = seed
        self._start = start
        self._size = size
        self._pos = 0
        self._cache = (None, b"")

    def readable(self):
        return True

    def seekable(self):
        return True

    def __len__(self):
        return self._size

    def tell(self):
        return self._pos

    def seek(self, offset, whence=io.SEEK_SET):
        if whence == io.SEEK_SET:
            pos = offset
        elif whence == io.SEEK_CUR:
            pos = self._pos + offset
        elif whence == io.SEEK_END:
            pos = self._size + offset
        else:
            raise ValueError("bad whence")
        if pos < 0:
            raise ValueError("negative seek")
        self._pos = pos
        return pos

    def _block(self, i):
        if self._cache[0] != i:
            self._cache = (i, det_block(self._seed, i))
        return self._cache[1]

    def read(self, n=-1):
        left = self._size - self._pos
        if left <= 0:
            return b""
        if n is None or n < 0 or n > left:
            n = left
        out = []
        while n > 0:
            absolute = self._start + self._pos
            bi, off = divmod(absolute, BLOCK)
            piece = self._block(bi)[off:off + n]
            out.append(piece)
            n -= len(piece)
            self._pos += len(piece)
        return b"".join(out)

    def readinto(self, buf):
        data = self.read(len(buf))
        buf[:len(data)] = data
        return len(data)


def load_env(path):
    env = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#") or "=" not in line:
                continue
            k, v = line.split("=", 1)
            env[k.strip()] = v.strip().strip('"').strip("'")
    return env


def make_client(env, max_pool=32):
    endpoint = env.get("RGW_ENDPOINT") or env.get("S3_ENDPOINT")
    access = env.get("RGW_ACCESS_KEY") or env.get("S3_ACCESS_KEY")
    secret = env.get("RGW_SECRET_KEY") or env.get("S3_SECRET_KEY")
    if not (endpoint and access and secret):
        sys.exit("env file lacks RGW_ENDPOINT / RGW_ACCESS_KEY / RGW_SECRET_KEY")
    cfg = botocore.config.Config(
        region_name="us-east-1",
        signature_version="s3v4",
        s3={"addressing_style": "path"},
        retries={"max_attempts": 5, "mode": "standard"},
        max_pool_connections=max_pool,
        connect_timeout=10,
        read_timeout=300,
    )
    # Never pick up ~/.aws or AWS_* variables of the machine running the tests.
    session = boto3.session.Session(
        aws_access_key_id=access,
        aws_secret_access_key=secret,
        region_name="us-east-1",
    )
    return session.client("s3", endpoint_url=endpoint, config=cfg)


def create_bucket(s3, name):
    try:
        s3.create_bucket(Bucket=name)
    except botocore.exceptions.ClientError as e:
        if e.response.get("Error", {}).get("Code") not in ("BucketAlreadyOwnedByYou",):
            raise


def file_sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(BLOCK)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


def put_file(s3, bucket, key, path):
    with open(path, "rb") as f:
        r = s3.put_object(Bucket=bucket, Key=key, Body=f)
    return r.get("ETag", "")


def put_bytes(s3, bucket, key, size, seed, part=None):
    if part is None:
        r = s3.put_object(Bucket=bucket, Key=key, Body=DetStream(size, seed),
                          ContentLength=size)
        return r.get("ETag", "")
    if part <= 0:
        sys.exit("PART must be > 0")
    mpu = s3.create_multipart_upload(Bucket=bucket, Key=key)
    uid = mpu["UploadId"]
    try:
        parts = []
        off = 0
        n = 1
        while off < size or n == 1:
            length = min(part, size - off)
            r = s3.upload_part(Bucket=bucket, Key=key, UploadId=uid, PartNumber=n,
                               Body=DetStream(length, seed, start=off), ContentLength=length)
            parts.append({"PartNumber": n, "ETag": r["ETag"]})
            off += length
            n += 1
        r = s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=uid,
                                         MultipartUpload={"Parts": parts})
        return r.get("ETag", "")
    except BaseException:
        try:
            s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=uid)
        except Exception:
            pass
        raise


def gen_file(path, size, seed):
    h = hashlib.sha256()
    with open(path, "wb") as f:
        for c in det_chunks(size, seed):
            h.update(c)
            f.write(c)
    return h.hexdigest()


def list_all(s3, bucket, prefix=""):
    out = []
    pag = s3.get_paginator("list_objects_v2")
    for page in pag.paginate(Bucket=bucket, Prefix=prefix):
        out.extend(page.get("Contents", []))
    return out


MANY = 1100


def standard_fixtures():
    """(key, kind, arg) with kind 'text' (arg = str) or 'det' (arg = size; seed = key)."""
    fx = [
        ("hello.txt", "text", "hello objectfs\n"),
        ("empty", "text", ""),
        ("dir/a.bin", "det", 1 << 20),
        ("dir/sub/b.bin", "det", 3 * (1 << 20) + 17),
        ("dir/c.txt", "text", "c in dir\n"),
        ("big.bin", "det", 40 << 20),
        ("space name.txt", "text", "a key with a space\n"),
        ("plus+sign.txt", "text", "a key with a plus sign\n"),
        ("percent%20.txt", "text", "a key with a literal %20\n"),
        ("unicodé/ключ/文件.txt", "text", "unicode key ünïcödé ключ 文件\n"),
        ("dots/../up.txt", "text", "a key with a literal .. segment\n"),
    ]
    long_key = "long/" + "k" * (900 - len("long/"))
    assert len(long_key.encode()) == 900
    fx.append((long_key, "text", "a 900-byte key\n"))
    for i in range(MANY):
        fx.append((f"many/k{i:04d}", "text", f"many object {i}\n"))
    return fx


def make_standard_fixtures(s3, bucket, outdir):
    os.makedirs(outdir, exist_ok=True)
    outdir = os.path.abspath(outdir)
    t0 = time.monotonic()
    create_bucket(s3, bucket)
    fx = standard_fixtures()
    manifest = {}

    def one(index, key, kind, arg):
        path = os.path.join(outdir, str(index))
        if kind == "text":
            data = arg.encode("utf-8")
            with open(path, "wb") as f:
                f.write(data)
            sha = hashlib.sha256(data).hexdigest()
            size = len(data)
        else:
            size = arg
            sha = gen_file(path, size, key)
        entry = {"index": index, "size": size, "sha256": sha, "file": path}
        try:
            entry["etag"] = put_file(s3, bucket, key, path)
        except botocore.exceptions.ClientError as e:
            if ".." not in key:
                raise
            err = e.response.get("Error", {})
            reason = f"server refused the key: {err.get('Code')} {err.get('Message', '')}".strip()
            print(f"NOTE: skipping key {key!r}: {reason}", file=sys.stderr)
            os.unlink(path)
            return key, {"index": index, "skipped": True, "reason": reason}
        return key, entry

    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as ex:
        futs = [ex.submit(one, i, k, kind, arg) for i, (k, kind, arg) in enumerate(fx)]
        for fut in futs:
            key, entry = fut.result()
            manifest[key] = entry
    t_upload = time.monotonic() - t0

    # Verify against a listing: every key must be there exactly, with its size. A client
    # or server that normalizes "dots/../up.txt" to "up.txt" would show up here.
    listed = {o["Key"]: o for o in list_all(s3, bucket)}
    for key, entry in manifest.items():
        if entry.get("skipped"):
            continue
        o = listed.get(key)
        if o is None:
            if ".." in key:
                reason = "key not found under its literal name after upload (path normalized?)"
                print(f"NOTE: skipping key {key!r}: {reason}", file=sys.stderr)
                stray = [k for k in listed if k not in manifest]
                for k in stray:
                    s3.delete_object(Bucket=bucket, Key=k)
                os.unlink(entry["file"])
                manifest[key] = {"index": entry["index"], "skipped": True, "reason": reason}
                continue
            sys.exit(f"verification failed: {key!r} missing from the listing")
        if o["Size"] != entry["size"]:
            sys.exit(f"verification failed: {key!r} has size {o['Size']}, expected {entry['size']}")
    extra = set(listed) - set(manifest)
    if extra:
        print(f"NOTE: bucket {bucket} also holds {len(extra)} other keys", file=sys.stderr)

    with open(os.path.join(outdir, "manifest.json.tmp"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=1, sort_keys=True)
    os.replace(os.path.join(outdir, "manifest.json.tmp"), os.path.join(outdir, "manifest.json"))
    n_ok = sum(1 for e in manifest.values() if not e.get("skipped"))
    total = sum(e.get("size", 0) for e in manifest.values())
    print(f"uploaded {n_ok} objects ({total} bytes) to {bucket} in {t_upload:.2f} s; "
          f"verified listing in {time.monotonic() - t0 - t_upload:.2f} s; "
          f"manifest {os.path.join(outdir, 'manifest.json')}")


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    env = load_env(argv[1])
    cmd, args = argv[2], argv[3:]

    def need(n, usage):
        if len(args) not in (n if isinstance(n, tuple) else (n,)):
            sys.exit(f"usage: s3_fixtures.py ENV_FILE {cmd} {usage}")

    if cmd == "gen-bytes":
        need(3, "SIZE SEED FILE")
        print(gen_file(args[2], int(args[0]), args[1]))
        return 0

    s3 = make_client(env)
    if cmd == "create-bucket":
        need(1, "NAME")
        create_bucket(s3, args[0])
    elif cmd == "put":
        need(3, "BUCKET KEY FILE")
        put_file(s3, args[0], args[1], args[2])
        print(file_sha256(args[2]))
    elif cmd == "put-bytes":
        need((4, 5), "BUCKET KEY SIZE SEED [PART_SIZE]")
        size = int(args[2])
        part = int(args[4]) if len(args) == 5 else None
        put_bytes(s3, args[0], args[1], size, args[3], part)
        print(det_sha256(size, args[3]))
    elif cmd == "delete":
        need(2, "BUCKET KEY")
        s3.delete_object(Bucket=args[0], Key=args[1])
    elif cmd == "list":
        need((1, 2), "BUCKET [PREFIX]")
        for o in list_all(s3, args[0], args[1] if len(args) == 2 else ""):
            print(f"{o['Size']}\t{o['ETag']}\t{o['Key']}")
    elif cmd == "make-standard-fixtures":
        need(2, "BUCKET DIR")
        make_standard_fixtures(s3, args[0], args[1])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except botocore.exceptions.ClientError as e:
        err = e.response.get("Error", {})
        status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        sys.exit(f"s3_fixtures.py: {e.operation_name} failed: HTTP {status} "
                 f"{err.get('Code')} {err.get('Message') or ''}".rstrip())
    except (botocore.exceptions.BotoCoreError, OSError) as e:
        sys.exit(f"s3_fixtures.py: {e}")
