"""Python against the hostile server (tests/servers/hostile_server.py): every
broken answer is an OSError subclass with a one-line message naming the URI,
raised in bounded time; never another exception, a crash or a hang. Each call
runs in a child interpreter so a hang or a crash fails the test."""

import sys

import pytest

from conftest import HERE

sys.path.insert(0, str(HERE + "/../servers"))
from child_call import OK, OS_ERROR, OTHER_ERROR, digest, run_call  # noqa: E402
from hostile_server import GOOD_BYTES, HostileServer  # noqa: E402

@pytest.fixture(scope="module")
def server():
    s = HostileServer(stall_seconds=20).start()
    yield s
    s.stop()


def call(server, what, uri):
    options = dict(endpoint_url=server.url, region="us-east-1", aws_access_key_id="AKID",
                   aws_secret_access_key="hostile-secret", max_attempts=2, read_timeout=1,
                   connect_timeout=1, retry_initial_backoff=0.05, retry_max_backoff=0.2)
    return run_call(options, what, uri, timeout=60)


CASES = [("ls", "s3://loop-token/"), ("ls", "s3://doubled-xml/"), ("ls", "s3://absurd-size/"),
         ("ls", "s3://outside-prefix/dir/"), ("ls", "s3://no-token/"),
         ("stat", "s3://bkt/huge-length"), ("stat", "s3://bkt/absurd-length"),
         ("read", "s3://bkt/absurd-length"), ("read", "s3://bkt/wrong-range"),
         ("read", "s3://bkt/short-200"), ("read", "s3://bkt/long-200"),
         ("read", "s3://bkt/other-etag"), ("read", "s3://bkt/trickle"), ("read", "s3://bkt/stall"),
         ("load_file", "s3://bkt/html-get")]


@pytest.mark.parametrize("what,uri", CASES)
def test_python_against_a_hostile_server(server, what, uri):
    result, elapsed = call(server, what, uri)
    err = result.stderr.decode(errors="replace")
    assert result.returncode == OS_ERROR, (result.returncode, err)
    assert elapsed < 20, elapsed
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "hostile-secret" not in err


def test_an_object_that_is_not_safetensors_is_a_value_error(server):
    """Not a server failure but a bad file: ValueError, as from safetensors."""
    result, _ = call(server, "load_file", "s3://bkt/plain")
    assert result.returncode == OTHER_ERROR
    assert b"ValueError: invalid argument: s3://bkt/plain: invalid safetensors header" in \
        result.stderr, result.stderr


def test_a_message_that_is_not_utf8_still_raises_the_error(server):
    """Used to be a UnicodeDecodeError from the bindings instead of the error."""
    result, _ = call(server, "ls", "s3://latin1-error/")
    assert result.returncode == OS_ERROR, result.stderr
    assert result.stderr.startswith(b"PermissionError"), result.stderr
    assert b"\\xe8" in result.stderr or b"\\xff" in result.stderr, result.stderr


def test_odd_but_valid_answers_read_exactly(server):
    result, _ = call(server, "read", "s3://bkt/bad-date")
    assert result.returncode == OK, result.stderr
    assert result.stdout.decode().strip() == digest(GOOD_BYTES)
