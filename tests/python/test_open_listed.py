"""Client.open(uri, info=entry): opening from a listing entry sends no HEAD on
RGW, reads are pinned to the listed ETag, and bad entries are refused."""

import pickle

import pytest

import objectfs

from conftest import BUCKET, s3uri


def entry_of(client, uri):
    parent = uri.rsplit("/", 1)[0] + "/"
    return next(e for e in client.ls(parent, detail=True)
                if not isinstance(e, str) and s3uri(e.key) == uri)


def test_open_with_a_listing_entry_sends_no_head(client, put):
    uri = put("a.bin", b"listed bytes")
    entry = entry_of(client, uri)
    before = client.stats()
    with client.open(uri, info=entry) as f:
        assert f.etag == entry.etag and f.read() == b"listed bytes"
    after = client.stats()
    assert after["head_requests"] == before["head_requests"]
    assert after["get_requests"] == before["get_requests"] + 1
    with objectfs.open(uri, client=client, info=client.stat(uri)) as f:  # a stat result too
        assert f.read() == b"listed bytes"


def test_reads_are_pinned_to_the_listed_version(client, s3, put, prefix):
    uri = put("b.bin", b"version one")
    entry = entry_of(client, uri)
    s3.put_object(Bucket=BUCKET, Key=prefix + "b.bin", Body=b"version two")
    with client.open(uri, info=entry) as f:
        with pytest.raises(objectfs.ObjectChangedError):
            f.read()
    # A pickled entry (as sent to DataLoader workers) is the same entry.
    assert pickle.loads(pickle.dumps(entry)) == entry


def test_bad_entries_are_refused(client, put):
    a, b = put("a", b"a"), put("b", b"b")
    with pytest.raises(ValueError, match="listing entry given is of key"):
        client.open(b, info=entry_of(client, a))
    with pytest.raises(TypeError):
        client.open(a, info={"key": "a"})
    with pytest.raises(ValueError):
        client.open(a, "wb", info=entry_of(client, a))
