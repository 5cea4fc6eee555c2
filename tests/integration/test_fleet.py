"""The shared (fleet) tier against a real Ceph RGW: an origin bucket (the
fixtures) and a tier bucket per test. Every node is its own process with its
own empty memory (and no disk cache), as on separate machines."""

import concurrent.futures
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import time
import uuid

import boto3
import pytest

from conftest import s3uri


@pytest.fixture
def s3(rgw):
    return boto3.client("s3", endpoint_url=rgw["RGW_ENDPOINT"], region_name="us-east-1",
                        aws_access_key_id=rgw["RGW_ACCESS_KEY"],
                        aws_secret_access_key=rgw["RGW_SECRET_KEY"])


@pytest.fixture
def tier(s3):
    """A fresh tier bucket, emptied and removed afterwards; yields its URI with a prefix."""
    bucket = f"tier-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket)
    yield bucket, f"s3://{bucket}/fleet/"
    for obj in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
        s3.delete_object(Bucket=bucket, Key=obj["Key"])
    s3.delete_bucket(Bucket=bucket)


def stats_of(stderr):
    line = [l for l in stderr.decode().splitlines() if l.startswith("stats:")][-1]
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)\b(?!\.)", line)}


def cat(objectfs, key, *flags):
    """sha256 of `objectfs cat`, and its stats."""
    result = objectfs("--stats", *flags, "cat", s3uri(key), check_rc=0, timeout=300)
    return hashlib.sha256(result.stdout).hexdigest(), stats_of(result.stderr), result.stderr.decode()


def tier_blocks(s3, bucket):
    return [o for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])
            if "/blocks/" in o["Key"]]


def test_a_seeded_tier_serves_eight_fresh_nodes_with_no_origin_gets(objectfs, rgw, s3, tier):
    bucket, uri = tier
    entry = rgw["manifest"]["big.bin"]
    seeded = objectfs("--stats", "--shared-cache", uri, "warm", "--no-progress", s3uri("big.bin"),
                      check_rc=0, timeout=300)
    assert stats_of(seeded.stderr)["shared_bytes_written"] == entry["size"]
    blocks = (entry["size"] + (8 << 20) - 1) >> 23
    assert len(tier_blocks(s3, bucket)) == blocks
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        nodes = list(pool.map(lambda _: cat(objectfs, "big.bin", "--shared-cache", uri), range(8)))
    for digest, stats, _ in nodes:
        assert digest == entry["sha256"]
        assert stats["get_requests"] == 0 and stats["bytes_downloaded"] == 0
        assert stats["shared_hits"] >= blocks and stats["shared_corrupt_blocks"] == 0
    # Seeding again finds every block there (a HEAD each) and fetches nothing.
    again = objectfs("--stats", "--shared-cache", uri, "warm", "--no-progress", s3uri("big.bin"),
                     check_rc=0)
    assert stats_of(again.stderr)["get_requests"] == 0


def test_a_cold_node_publishes_what_it_fetched_for_the_next(objectfs, rgw, s3, tier):
    bucket, uri = tier
    entry = rgw["manifest"]["big.bin"]
    digest, first, _ = cat(objectfs, "big.bin", "--shared-cache", uri)
    assert digest == entry["sha256"] and first["bytes_downloaded"] >= entry["size"]
    assert first["shared_bytes_written"] == entry["size"]  # published before the process ended
    digest, second, _ = cat(objectfs, "big.bin", "--shared-cache", uri)
    assert digest == entry["sha256"] and second["get_requests"] == 0
    assert len(tier_blocks(s3, bucket)) == (entry["size"] + (8 << 20) - 1) >> 23


def test_tier_blocks_overwritten_with_garbage_are_detected_and_refetched(objectfs, rgw, s3, tier):
    bucket, uri = tier
    entry = rgw["manifest"]["big.bin"]
    objectfs("--shared-cache", uri, "warm", "--no-progress", s3uri("big.bin"), check_rc=0)
    blocks = tier_blocks(s3, bucket)
    for obj in blocks:
        s3.put_object(Bucket=bucket, Key=obj["Key"], Body=os.urandom(obj["Size"]))
    digest, stats, _ = cat(objectfs, "big.bin", "--shared-cache", uri)
    assert digest == entry["sha256"]
    assert stats["shared_corrupt_blocks"] >= len(blocks) and stats["shared_hits"] == 0
    assert stats["bytes_downloaded"] >= entry["size"]


def test_a_missing_tier_bucket_costs_nothing_but_a_warning(objectfs, rgw):
    entry = rgw["manifest"]["big.bin"]
    missing = f"s3://no-such-tier-{uuid.uuid4().hex[:8]}/fleet/"
    digest, stats, stderr = cat(objectfs, "big.bin", "--shared-cache", missing)
    assert digest == entry["sha256"]
    assert stats["shared_hits"] == 0 and stats["shared_failures"] >= 1
    warnings = [l for l in stderr.splitlines() if "shared cache" in l]
    assert len(warnings) == 1 and missing in warnings[0] and "does not exist" in warnings[0]


def test_an_unreachable_tier_read_url_falls_back_to_the_origin(objectfs, rgw, tier):
    _, uri = tier
    entry = rgw["manifest"]["big.bin"]
    digest, stats, stderr = cat(objectfs, "big.bin", "--shared-cache", uri,
                                "--shared-cache-read-url", "http://127.0.0.1:1/fleet/")
    assert digest == entry["sha256"]
    assert stats["shared_failures"] >= 1 and stats["bytes_downloaded"] >= entry["size"]
    assert "127.0.0.1:1" in stderr


def test_a_shared_cache_that_cannot_be_written_is_refused_at_start(objectfs):
    result = objectfs("--shared-cache", "https://example.invalid/blocks/", "stat",
                      s3uri("big.bin"), check_rc=1)
    assert "shared_cache https://example.invalid/blocks/" in result.stderr.decode()
    assert "cannot be written" in result.stderr.decode()


@pytest.fixture
def model(s3, rgw):
    """A 256 MiB object in the origin bucket, removed afterwards."""
    key = f"fleet/model-{uuid.uuid4().hex[:8]}.bin"
    data = os.urandom(1 << 20) * 256
    s3.put_object(Bucket="objectfs-test", Key=key, Body=data)
    yield key, hashlib.sha256(data).hexdigest(), len(data)
    s3.delete_object(Bucket="objectfs-test", Key=key)


def fleet(objectfs, key, uri, ranks, size, wait="60s"):
    def node(rank):
        return cat(objectfs, key, "--shared-cache", uri, "--fleet-size", str(size),
                   "--fleet-rank", str(rank), "--fleet-wait", wait, "--memory-limit", "128M")

    with concurrent.futures.ThreadPoolExecutor(len(ranks)) as pool:
        return list(pool.map(node, ranks))


def test_a_cold_fleet_of_eight_fetches_the_model_from_the_origin_about_once(objectfs, model,
                                                                             tier):
    key, digest, size = model
    _, uri = tier
    nodes = fleet(objectfs, key, uri, range(8), 8)
    assert all(d == digest for d, _, _ in nodes)
    origin = sum(stats["bytes_downloaded"] for _, stats, _ in nodes)
    # Each rank's share is 1/8 exactly (32 blocks in turn over 8 ranks).
    assert all(size // 8 <= stats["bytes_downloaded"] <= 1.1 * size // 8
               for _, stats, _ in nodes), [stats["bytes_downloaded"] for _, stats, _ in nodes]
    assert origin <= 1.1 * size, [stats["bytes_downloaded"] for _, stats, _ in nodes]
    assert sum(stats["shared_bytes_written"] for _, stats, _ in nodes) >= size


def test_a_dead_rank_costs_the_others_one_wait(objectfs, model, tier):
    key, digest, size = model
    _, uri = tier
    # Rank 7 never comes. The wait must outlast a live rank's publishing of a
    # block, which under the sanitizers (7 processes on 2 vCPUs) takes seconds.
    wait = "12s" if os.environ.get("OBJECTFS_SANITIZED") == "1" else "3s"
    nodes = fleet(objectfs, key, uri, range(7), 8, wait=wait)
    assert all(d == digest for d, _, _ in nodes)
    origin = sum(stats["bytes_downloaded"] for _, stats, _ in nodes)
    # Ranks own an object's blocks in turn, so rank 7's share is exactly 1/8;
    # at worst each of the 7 nodes fetches it itself: 1 + 6/8 of the model.
    assert origin <= 1.75 * size, [stats["bytes_downloaded"] for _, stats, _ in nodes]
    # The first node to give up on rank 7 fetched its blocks and published them;
    # the others found them in the tier or gave up too.
    assert any("rank 7 did not publish" in stderr for _, _, stderr in nodes)


def test_fleet_options_are_checked(objectfs, tier):
    _, uri = tier
    bad = objectfs("--shared-cache", uri, "--fleet-size", "4", "--fleet-rank", "4", "stat",
                   s3uri("big.bin"), check_rc=1)
    assert "fleet_rank must be 0 to fleet_size - 1 (3) (got 4)" in bad.stderr.decode()
    alone = objectfs("--fleet-size", "4", "stat", s3uri("big.bin"), check_rc=1)
    assert "fleet_size > 1 needs shared_cache" in alone.stderr.decode()
    from_job = objectfs("--shared-cache", uri, "--fleet-size", "2", "stat", s3uri("big.bin"),
                        env_extra={"JOB_COMPLETION_INDEX": "5"}, check_rc=1)
    assert "(got 5)" in from_job.stderr.decode()


@pytest.fixture
def cdn(rgw, s3, tier, tmp_path):
    """nginx with proxy_cache in front of the tier bucket (made publicly readable,
    as a CDN origin is); yields (read URL, access log). Stopped afterwards."""
    bucket, _ = tier
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                       "Resource": f"arn:aws:s3:::{bucket}/*"}]}))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    (tmp_path / "nginx").mkdir()
    root = tmp_path / "nginx"
    access = root / "access.log"
    user = "user root;" if os.getuid() == 0 else ""
    (root / "nginx.conf").write_text(f"""{user}
daemon off;
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 64; }}
http {{
    log_format cache '$request $status $upstream_cache_status';
    access_log {access} cache;
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    proxy_cache_path {root}/cache keys_zone=blocks:1m max_size=1g;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass {rgw["RGW_ENDPOINT"]};
            proxy_cache blocks;
            proxy_cache_valid 200 1h;
            proxy_set_header Range "";
        }}
    }}
}}
""")
    nginx = subprocess.Popen([shutil.which("nginx") or "/usr/sbin/nginx", "-c",
                              str(root / "nginx.conf"), "-p", str(root)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert nginx.poll() is None, nginx.stderr.read().decode()
                assert time.monotonic() < deadline, "nginx did not start"
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/{bucket}/fleet/", access
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)


def test_a_second_node_reads_the_tier_through_a_caching_proxy(objectfs, rgw, tier, cdn):
    _, uri = tier
    url, access = cdn
    entry = rgw["manifest"]["big.bin"]
    blocks = (entry["size"] + (8 << 20) - 1) >> 23
    objectfs("--shared-cache", uri, "warm", "--no-progress", s3uri("big.bin"), check_rc=0)
    first, first_stats, _ = cat(objectfs, "big.bin", "--shared-cache", uri,
                                "--shared-cache-read-url", url)
    assert first == entry["sha256"] and first_stats["get_requests"] == 0
    misses = access.read_text().count(" MISS")
    assert misses >= blocks
    second, second_stats, _ = cat(objectfs, "big.bin", "--shared-cache", uri,
                                  "--shared-cache-read-url", url)
    assert second == entry["sha256"] and second_stats["get_requests"] == 0
    assert second_stats["shared_hits"] >= blocks
    assert access.read_text().count(" MISS") == misses  # nothing new went to the bucket
    assert access.read_text().count(" HIT") >= blocks
