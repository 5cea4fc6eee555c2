#!/usr/bin/python3
"""Helpers for bench/compare.sh (system Python: stdlib + Debian's python3-boto3).

  bench_util.py free-port
  bench_util.py upload ENV_FILE BUCKET KEY FILE PART_SIZE [THREADS]
        multipart upload of a local file (parts of PART_SIZE bytes, THREADS in parallel);
        checks the stored size; prints the ETag
  bench_util.py put-tree ENV_FILE BUCKET PREFIX DIRS FILES_PER_DIR [THREADS]
        DIRS x FILES_PER_DIR small objects PREFIX/dNN/fNNNNN.txt (a metadata workload);
        prints the object count
  bench_util.py list-xml DATA_DIR BUCKET OUT_FILE
        a static ListBucketResult (v1 and v2 fields) for the files in DATA_DIR/BUCKET, with
        the ETags nginx serves ("<mtime hex>-<size hex>"), so s3fs and rclone can list it
  bench_util.py stats STDERR_FILE [KEY...]
        the values of KEY=... from the last "stats:" line objectfs printed (0 if missing)
  bench_util.py table ROWS_TSV OUT_MD TITLE_FILE
        turns the measured rows into the markdown table (see compare.sh for the columns)
"""

import concurrent.futures
import datetime
import os
import socket
import sys
from xml.sax.saxutils import escape

HERE = os.path.dirname(os.path.abspath(__file__))
GIB = 1 << 30
REF_NAMES = {"pagecache": "local cat, page cache", "diskcold": "local cat, cold disk",
             "api": "local pread"}


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def upload(env_file, bucket, key, path, part_size, threads):
    sys.path.insert(0, os.path.join(HERE, "..", "tests", "servers"))
    import s3_fixtures  # noqa: E402  (boto3 client set up like the tests do)

    env = s3_fixtures.load_env(env_file)
    s3 = s3_fixtures.make_client(env, max_pool=max(threads, 4))
    s3_fixtures.create_bucket(s3, bucket)
    size = os.path.getsize(path)
    mpu = s3.create_multipart_upload(Bucket=bucket, Key=key)
    uid = mpu["UploadId"]

    def part(n, off):
        length = min(part_size, size - off)
        with open(path, "rb") as f:
            f.seek(off)
            data = f.read(length)
        r = s3.upload_part(Bucket=bucket, Key=key, UploadId=uid, PartNumber=n, Body=data,
                           ContentLength=length)
        return {"PartNumber": n, "ETag": r["ETag"]}

    try:
        offsets = list(range(0, size, part_size)) or [0]
        with concurrent.futures.ThreadPoolExecutor(max_workers=threads) as ex:
            parts = list(ex.map(lambda a: part(*a), [(i + 1, o) for i, o in enumerate(offsets)]))
        s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=uid,
                                     MultipartUpload={"Parts": parts})
    except BaseException:
        try:
            s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=uid)
        except Exception:
            pass
        raise
    head = s3.head_object(Bucket=bucket, Key=key)
    if head["ContentLength"] != size:
        sys.exit(f"upload of {key}: server has {head['ContentLength']} bytes, expected {size}")
    print(head.get("ETag", ""))


def put_tree(env_file, bucket, prefix, dirs, files, threads):
    sys.path.insert(0, os.path.join(HERE, "..", "tests", "servers"))
    import s3_fixtures  # noqa: E402

    env = s3_fixtures.load_env(env_file)
    s3 = s3_fixtures.make_client(env, max_pool=max(threads, 4))
    s3_fixtures.create_bucket(s3, bucket)
    keys = [f"{prefix}d{d:02d}/f{f:05d}.txt" for d in range(dirs) for f in range(files)]

    def put(key):
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())

    with concurrent.futures.ThreadPoolExecutor(max_workers=threads) as ex:
        list(ex.map(put, keys))
    print(len(keys))


def list_xml(data_dir, bucket, out):
    root = os.path.join(data_dir, bucket)
    entries = []
    for name in sorted(os.listdir(root)):
        st = os.stat(os.path.join(root, name))
        mtime = datetime.datetime.fromtimestamp(int(st.st_mtime), datetime.timezone.utc)
        etag = '"%x-%x"' % (int(st.st_mtime), st.st_size)  # nginx's etag format
        entries.append(
            "<Contents>"
            f"<Key>{escape(name)}</Key>"
            f"<LastModified>{mtime.strftime('%Y-%m-%dT%H:%M:%S.000Z')}</LastModified>"
            f"<ETag>{escape(etag)}</ETag>"
            f"<Size>{st.st_size}</Size>"
            "<StorageClass>STANDARD</StorageClass>"
            "<Owner><ID>bench</ID><DisplayName>bench</DisplayName></Owner>"
            "</Contents>")
    xml = ('<?xml version="1.0" encoding="UTF-8"?>\n'
           '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
           f"<Name>{escape(bucket)}</Name><Prefix></Prefix><Marker></Marker>"
           f"<KeyCount>{len(entries)}</KeyCount><MaxKeys>1000</MaxKeys>"
           "<Delimiter>/</Delimiter><IsTruncated>false</IsTruncated>"
           + "".join(entries) + "</ListBucketResult>\n")
    with open(out, "w", encoding="utf-8") as f:
        f.write(xml)


def stats(path, keys):
    line = ""
    with open(path, encoding="utf-8", errors="replace") as f:
        for text in f:
            if "stats:" in text:  # the mount's log lines carry a timestamp prefix
                line = text[text.index("stats:"):]
    values = dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv)
    print(" ".join(values.get(k, "0") for k in keys))


def fnum(x, digits):
    return f"{x:.{digits}f}"


def table(rows_tsv, out_md, title_file):
    """Rows: key, client, server, workload, kind, seconds, bytes, gets, log_gets, rss_kib, notes.

    kind: "limit" (a parallel-curl row: candidate for the server's limit), "seq" (other
    throughput rows), "random" (random reads; seconds is the loop time), "ref:GROUP" (a
    local-file reference) and "vs:GROUP" (its ratio is to the fastest ref:GROUP row, e.g. a
    re-read from a warm cache), "meta" (a metadata walk: no MB/s). A row key may
    appear several times (repeated runs): the fastest run is shown, RSS is the max.
    seconds "FAILED" marks a failed run (notes say why).
    """
    order, best, rss_max, failed = [], {}, {}, {}
    with open(rows_tsv, encoding="utf-8") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 11:
                continue
            r = dict(zip(["key", "client", "server", "workload", "kind", "seconds", "bytes",
                          "gets", "log_gets", "rss_kib", "notes"], cols))
            k = r["key"]
            if k not in order:
                order.append(k)
            if r["seconds"] == "FAILED":
                failed.setdefault(k, r)
                continue
            r["s"] = float(r["seconds"])
            if k not in best or r["s"] < best[k]["s"]:
                best[k] = r
            if r["rss_kib"] not in ("", "-"):
                rss_max[k] = max(rss_max.get(k, 0), int(r["rss_kib"]))
    runs = {}
    with open(rows_tsv, encoding="utf-8") as f:
        for line in f:
            k = line.split("\t", 1)[0]
            runs[k] = runs.get(k, 0) + 1

    # The parallel-curl limit of each server: its fastest parallel-curl row (MB/s).
    limit = {}
    for k, r in best.items():
        if r["kind"] == "limit":
            mbps = int(r["bytes"]) / r["s"] / 1e6
            limit[r["server"]] = max(limit.get(r["server"], 0), mbps)

    # "ref:GROUP" rows are the reference of the "vs:GROUP" rows (e.g. a local-file read).
    refs = {}
    for r in best.values():
        if r["kind"].startswith("ref:") and r["s"] > 0:
            group = r["kind"][4:]
            refs[group] = max(refs.get(group, 0), int(r["bytes"]) / r["s"] / 1e6)

    lines = []
    with open(title_file, encoding="utf-8") as f:
        lines.append(f.read().rstrip("\n"))
    lines.append("")
    lines.append("| client | server | workload | seconds | MB/s | ratio (to the parallel-curl limit unless noted) "
                 "| GET requests per GiB | peak RSS MiB | notes |")
    lines.append("|---|---|---|---:|---:|---:|---:|---:|---|")
    for k in order:
        r = best.get(k)
        if r is None:
            r = failed[k]
            lines.append(f"| {r['client']} | {r['server']} | {r['workload']} | FAILED | - | - | - "
                         f"| - | {r['notes']} |")
            continue
        nbytes = int(r["bytes"])
        s = r["s"]
        mbps = nbytes / s / 1e6 if s > 0 else 0.0
        if r["kind"] in ("random", "meta"):
            ratio = "-"
        elif r["kind"].startswith(("ref:", "vs:")):
            group = r["kind"].split(":", 1)[1]
            ref = refs.get(group)
            ratio = f"{fnum(mbps / ref, 2)} (to {REF_NAMES.get(group, group)})" if ref else "-"
        else:
            lim = limit.get(r["server"])
            ratio = fnum(mbps / lim, 2) if lim else "-"
        gib = nbytes / GIB

        def per_gib(count):
            return fnum(int(count) / gib, 1) if gib > 0 else "-"

        gets, logged = r["gets"], r["log_gets"]
        have_gets, have_log = gets not in ("", "-"), logged not in ("", "-")
        if have_gets:
            get_cell = per_gib(gets)
            if have_log and int(logged) != int(gets):
                get_cell += f" (log {per_gib(logged)})"
        elif have_log:
            get_cell = per_gib(logged)
        else:
            get_cell = "-"
        rss = fnum(rss_max[k] / 1024, 1) if k in rss_max else "-"
        notes = r["notes"]
        if runs.get(k, 1) > 1:
            notes = (notes + "; " if notes else "") + f"best of {runs[k]}"
        mbps_cell = "-" if r["kind"] == "meta" else fnum(mbps, 0)
        lines.append(f"| {r['client']} | {r['server']} | {r['workload']} | {fnum(s, 2)} "
                     f"| {mbps_cell} | {ratio} | {get_cell} | {rss} | {notes} |")
    text = "\n".join(lines) + "\n"
    with open(out_md, "w", encoding="utf-8") as f:
        f.write(text)
    sys.stdout.write(text)


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    cmd, args = argv[1], argv[2:]
    if cmd == "free-port" and not args:
        print(free_port())
    elif cmd == "upload" and len(args) in (5, 6):
        upload(args[0], args[1], args[2], args[3], int(args[4]),
               int(args[5]) if len(args) == 6 else 4)
    elif cmd == "put-tree" and len(args) in (5, 6):
        put_tree(args[0], args[1], args[2], int(args[3]), int(args[4]),
                 int(args[5]) if len(args) == 6 else 16)
    elif cmd == "list-xml" and len(args) == 3:
        list_xml(*args)
    elif cmd == "stats" and len(args) >= 1:
        stats(args[0], args[1:])
    elif cmd == "table" and len(args) == 3:
        table(*args)
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
