"""Python's view of the run's metrics and cost (docs/observability.md)."""

import socket
import urllib.request

import pytest

import objectfs
from conftest import client_options


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_stats_price_every_get_at_one_unit(rgw, put, tmp_path):
    uri = put("data.bin", b"x" * (300 << 10))
    table = tmp_path / "prices.yaml"
    table.write_text("currency: unit\nper_1000_requests: {get: 1000, head: 0, list: 0, put: 0}\n"
                     "per_gb_egress: 0\n")
    client = objectfs.Client(**client_options(rgw, price_table=str(table), part_size="64K",
                                              memory_limit="64M"))
    with client.open(uri) as f:
        assert f.read() == b"x" * (300 << 10)
    stats = client.stats()
    assert stats["get_requests"] >= 5
    assert stats["cost_unit"] == pytest.approx(stats["get_requests"])
    assert stats["cost_unit_get"] == pytest.approx(stats["get_requests"])
    assert stats["cost_unit_head"] == 0


def test_a_bad_price_table_names_the_file_and_line(rgw, tmp_path):
    table = tmp_path / "prices.yaml"
    table.write_text("currency: USD\nper_gb_egress: -3\n")
    with pytest.raises(ValueError, match=r"prices.yaml, line 2: per_gb_egress: '-3' is not a price"):
        objectfs.Client(**client_options(rgw, price_table=str(table)))


def test_metrics_server_of_a_python_client(rgw, put):
    uri = put("small.bin", b"hello")
    port = free_port()
    client = objectfs.Client(**client_options(rgw, metrics_address=f"127.0.0.1:{port}"))
    assert client.metrics_port() == port
    assert client.stat(uri).size == 5
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
        text = answer.read().decode()
    assert 'objectfs_requests_total{store="s3",kind="head",status="2xx"} 1\n' in text
    assert "objectfs_memory_limit_bytes 67108864" in objectfs.Client(
        **client_options(rgw, memory_limit="64M")).metrics_text()
    with pytest.raises(ConnectionError, match=f"127.0.0.1:{port}.*cannot listen"):
        objectfs.Client(**client_options(rgw, metrics_address=f"127.0.0.1:{port}"))
