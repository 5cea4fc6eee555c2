"""Metrics, logs and cost against a real Ceph RGW: `--stats --json`, the
price table, `--metrics-file` checked by promtool, JSON logs with request ids
and no secrets, and a real Prometheus server scraping a mount."""

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request

import pytest

from conftest import s3uri
from test_mount import mounter, unmount  # noqa: F401 (the fixture)

PROMTOOL = shutil.which("promtool")
PROMETHEUS = shutil.which("prometheus")


def stats_json(stderr):
    lines = [l for l in stderr.decode().splitlines() if l.startswith("{")]
    assert lines, stderr.decode()
    return json.loads(lines[-1])


def small_object(rgw):
    """A present object of a few hundred KiB or more (several GETs at a 64K part size)."""
    entries = [(k, v) for k, v in rgw["manifest"].items()
               if not v.get("skipped") and 256 << 10 <= v["size"] <= 8 << 20]
    assert entries, "the RGW fixtures have no object between 256 KiB and 8 MiB"
    return min(entries, key=lambda kv: kv[1]["size"])


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_stats_json_counts_and_prices_the_run(objectfs, rgw, tmp_path):
    key, entry = small_object(rgw)
    result = objectfs("--stats", "--json", "--part-size", "64K", "cp", s3uri(key),
                      str(tmp_path / "out"), check_rc=0)
    stats = stats_json(result.stderr)
    gets = (entry["size"] + (64 << 10) - 1) >> 16
    assert stats["get_requests"] == gets and stats["head_requests"] == 1
    assert stats["bytes_downloaded"] == entry["size"]
    # Built-in S3 Standard prices: GET and HEAD $0.0004 per 1,000, egress $0.09/GB.
    assert stats["currency"] == "USD"
    assert stats["cost_usd_get"] == pytest.approx(gets * 0.0004 / 1000)
    assert stats["cost_usd_head"] == pytest.approx(0.0004 / 1000)
    assert stats["cost_usd_egress"] == pytest.approx(entry["size"] / 2**30 * 0.09)
    assert stats["cost_usd"] == pytest.approx(
        sum(stats[f"cost_usd_{p}"] for p in ("get", "head", "list", "put", "delete", "egress")))


def test_a_price_table_of_one_unit_per_get_costs_the_get_count(objectfs, rgw, tmp_path):
    key, _ = small_object(rgw)
    table = tmp_path / "prices.yaml"
    table.write_text("currency: USD\nper_1000_requests: {get: 1000, head: 0, list: 0, put: 0}\n"
                     "per_gb_egress: 0\n")
    result = objectfs("--stats", "--price-table", str(table), "--part-size", "64K", "cat",
                      s3uri(key), check_rc=0)
    line = [l for l in result.stderr.decode().splitlines() if l.startswith("stats:")][-1]
    fields = dict(kv.split("=") for kv in line.split()[1:])
    assert int(fields["get_requests"]) > 1
    assert float(fields["cost_usd"]) == pytest.approx(int(fields["get_requests"]))
    assert float(fields["cost_usd_get"]) == pytest.approx(int(fields["get_requests"]))

    table.write_text("per_1000_requests: {get: lots}\n")
    bad = objectfs("--price-table", str(table), "stat", s3uri(key), check_rc=1)
    assert f"price table {table}, line 1" in bad.stderr.decode()
    assert "'lots' is not a price" in bad.stderr.decode()


def test_metrics_file_passes_promtool_and_matches_the_counters(objectfs, rgw, tmp_path):
    assert PROMTOOL, "promtool is missing: scripts/setup.sh installs Debian's prometheus"
    key, entry = small_object(rgw)
    metrics = tmp_path / "objectfs.prom"
    result = objectfs("--stats", "--json", "--metrics-file", str(metrics), "cat", s3uri(key),
                      check_rc=0)
    stats = stats_json(result.stderr)
    text = metrics.read_text()
    check = subprocess.run([PROMTOOL, "check", "metrics"], input=text.encode(),
                           capture_output=True, timeout=60)
    assert check.returncode == 0, check.stdout.decode() + check.stderr.decode()
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            samples[name] = float(value)
    assert samples["objectfs_bytes_downloaded_total"] == entry["size"] == stats["bytes_downloaded"]
    assert samples['objectfs_bytes_served_total{tier="origin"}'] == entry["size"]
    assert samples['objectfs_requests_total{store="s3",kind="head",status="2xx"}'] == 1
    gets = samples['objectfs_requests_total{store="s3",kind="get",status="2xx"}']
    assert gets == stats["get_requests"]
    assert samples['objectfs_request_duration_seconds_count{kind="get"}'] == gets
    assert samples['objectfs_request_duration_seconds_bucket{kind="get",le="+Inf"}'] == gets
    assert samples["objectfs_memory_limit_bytes"] > 0
    assert samples['objectfs_cost_usd_total{class="get",currency="USD"}'] == pytest.approx(
        stats["cost_usd_get"])
    assert not [p for p in os.listdir(tmp_path) if ".tmp." in p]


def test_json_debug_log_has_request_ids_and_no_secrets(objectfs, rgw, tmp_path):
    key, _ = small_object(rgw)
    log = tmp_path / "log.jsonl"
    objectfs("--log-level", "debug", "--log-format", "json", "--log-file", str(log), "cat",
             s3uri(key), check_rc=0)
    missing = objectfs("--log-level", "debug", "--log-format", "json", "--log-file", str(log),
                       "cat", s3uri("no/such/key"), check_rc=1)
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert len(records) >= 3
    for record in records:
        assert {"time", "level", "message"} <= record.keys()
    requests = [r for r in records if r["level"] == "debug" and r["message"].startswith(("GET", "HEAD"))]
    assert requests and all(r.get("request_id") for r in requests), requests
    assert all(r["uri"].startswith(rgw["RGW_ENDPOINT"]) for r in requests)
    # The error names the request id support asks for, and the log has the same id.
    error = missing.stderr.decode()
    assert "request id " in error, error
    request_id = error.split("request id ")[1].split(")")[0]
    assert any(r.get("request_id") == request_id for r in records)
    for secret in (rgw["RGW_SECRET_KEY"],):
        assert secret not in log.read_text() and secret not in error


def test_no_session_token_or_secret_at_any_level(objectfs, rgw, tmp_path):
    token = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN0123456789abcdef"
    for fmt in ("text", "json"):
        log = tmp_path / f"log.{fmt}"
        result = objectfs("--log-level", "debug", "--log-format", fmt, "--log-file", str(log),
                          "--stats", "ls", s3uri(), env_extra={"AWS_SESSION_TOKEN": token})
        everything = log.read_text() + result.stdout.decode() + result.stderr.decode()
        assert everything, "nothing was logged"
        assert token not in everything
        assert rgw["RGW_SECRET_KEY"] not in everything


def test_prometheus_scrapes_a_mount_during_a_read(mounter, rgw, tmp_path):  # noqa: F811
    assert PROMETHEUS, "prometheus is missing: scripts/setup.sh installs it"
    key, entry = small_object(rgw)
    metrics_port, web_port = free_port(), free_port()
    mnt, _ = mounter("--metrics-address", f"127.0.0.1:{metrics_port}")
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global: {scrape_interval: 1s, scrape_timeout: 1s}\n"
        "scrape_configs:\n"
        f"  - job_name: objectfs\n    static_configs: [{{targets: ['127.0.0.1:{metrics_port}']}}]\n")
    prometheus = subprocess.Popen(
        [PROMETHEUS, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
         f"--web.listen-address=127.0.0.1:{web_port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with open(mnt / key, "rb") as f:
            assert len(f.read()) == entry["size"]

        def query(expr):
            url = (f"http://127.0.0.1:{web_port}/api/v1/query?"
                   + urllib.parse.urlencode({"query": expr}))
            with urllib.request.urlopen(url, timeout=5) as answer:
                result = json.load(answer)["data"]["result"]
            return float(result[0]["value"][1]) if result else None

        deadline, seen = time.monotonic() + 60, None
        while time.monotonic() < deadline:
            try:
                seen = query('objectfs_bytes_downloaded_total{job="objectfs"}')
            except OSError:
                seen = None  # not listening yet
            if seen is not None and seen >= entry["size"]:
                break
            time.sleep(0.5)
        assert seen is not None and seen >= entry["size"], f"Prometheus saw {seen}"
        reads = query('sum(objectfs_fuse_operations_total{op="read",result="ok"})')
        assert reads is not None and reads > 0
    finally:
        prometheus.terminate()
        try:
            prometheus.wait(timeout=20)
        except subprocess.TimeoutExpired:
            prometheus.kill()
            prometheus.wait(timeout=10)
        unmount(mnt)


def test_mount_logs_json_lines_with_request_ids(mounter, rgw, tmp_path):  # noqa: F811
    key, entry = small_object(rgw)
    mnt, proc = mounter("--log-format", "json", "--log-level", "debug", "--stats")
    with open(mnt / key, "rb") as f:
        assert len(f.read()) == entry["size"]
    unmount(mnt)
    proc.wait(timeout=20)
    records = [json.loads(line) for line in (tmp_path / "mount0.log").read_text().splitlines()]
    assert records and all({"time", "level", "message"} <= r.keys() for r in records)
    gets = [r for r in records if r["message"].startswith("GET 206")]
    assert gets and all(r["request_id"] and key in r["uri"] for r in gets)
    stats = [r for r in records if r["message"].startswith("stats: ")]
    assert stats and "cost_usd=" in stats[-1]["message"]
    assert rgw["RGW_SECRET_KEY"] not in (tmp_path / "mount0.log").read_text()
