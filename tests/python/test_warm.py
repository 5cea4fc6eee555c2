"""objectfs.warm() against a real Ceph RGW: a warmed prefix is then read by a
second client with no data GET; progress is reported and can stop the warm."""

import hashlib
import os

import pytest

import objectfs
from conftest import client_options

MiB = 1 << 20


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def test_warm_a_prefix_then_read_without_data_gets(rgw, put, prefix, tmp_path):
    datas = {"a.bin": os.urandom(3 * MiB + 5), "sub/b.bin": os.urandom(17 * MiB + 1)}
    uris = {name: put(name, data) for name, data in datas.items()}
    cache = tmp_path / "cache"
    warmer = objectfs.Client(**client_options(rgw, cache_dir=cache))
    reports = []
    summary = objectfs.warm(f"s3://objectfs-test/{prefix}", client=warmer, threads=4,
                            progress=reports.append)
    assert summary["ok"], summary
    assert summary["objects_done"] == summary["objects"] == 2
    assert summary["total_bytes"] == sum(len(d) for d in datas.values())
    assert summary["bytes_fetched"] == summary["total_bytes"]
    assert sorted(o["uri"] for o in summary["results"]) == sorted(uris.values())
    assert all(o["error"] is None for o in summary["results"])
    assert reports and reports[-1]["done"] and reports[-1]["bytes_fetched"] == summary["total_bytes"]
    assert warmer.stats()["get_requests"] == 1 + 3  # one GET per 8 MiB block

    reader = objectfs.Client(**client_options(rgw, cache_dir=cache))
    for name, data in datas.items():
        with reader.open(uris[name]) as f:
            assert sha256(f.read()) == sha256(data)
    stats = reader.stats()
    assert stats["get_requests"] == 0, stats
    assert stats["disk_bytes_read"] == sum(len(d) for d in datas.values()), stats

    again = objectfs.warm([uris["a.bin"]], client=reader)
    assert again["bytes_fetched"] == 0 and again["bytes_cached"] == len(datas["a.bin"])


def test_warm_reports_what_it_cannot_find(rgw, put, tmp_path):
    present = put("present.bin", b"x" * 1000)
    client = objectfs.Client(**client_options(rgw, cache_dir=tmp_path / "cache"))
    summary = objectfs.warm([present, present.replace("present", "missing")], client=client)
    assert not summary["ok"]
    assert summary["objects"] == 1 and summary["objects_failed"] == 0
    assert len(summary["errors"]) == 1 and "missing.bin" in summary["errors"][0]


def test_an_exception_in_progress_stops_the_warm(rgw, put, tmp_path):
    uri = put("stopped.bin", os.urandom(4 * 8 * MiB))

    def stop(report):
        raise KeyError("stop here")

    client = objectfs.Client(**client_options(rgw, cache_dir=tmp_path / "cache",
                                              max_parallel_requests=1))
    with pytest.raises(KeyError, match="stop here"):
        objectfs.warm(uri, client=client, progress=stop)
    # What was fetched stays; the next warm completes the rest.
    summary = objectfs.warm(uri, client=client)
    assert summary["ok"] and summary["bytes_fetched"] + summary["bytes_cached"] == 32 * MiB


def test_warm_needs_a_disk_cache(rgw, put):
    client = objectfs.Client(**client_options(rgw))
    with pytest.raises(ValueError, match="disk cache"):
        objectfs.warm(put("x.bin", b"x"), client=client)
    with pytest.raises(ValueError, match="threads"):
        objectfs.warm(["s3://objectfs-test/x"], client=client, threads=0)
