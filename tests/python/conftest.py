"""Fixtures for the Python package tests: the RGW that ctest started
(tests/servers/rgw_fixture.sh), a boto3 client to put objects independently of
ObjectFS, and an objectfs.Client pointed at the server."""

import json
import os
import sys
import uuid

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "servers"))
import s3_fixtures  # noqa: E402

import objectfs  # noqa: E402  (PYTHONPATH=build/python, set by ctest)

BUCKET = "objectfs-test"


@pytest.fixture(scope="session")
def rgw():
    path = os.environ.get("OBJECTFS_TEST_ENV")
    if not path:
        pytest.fail("OBJECTFS_TEST_ENV is not set: run these tests through ctest")
    env = s3_fixtures.load_env(path)
    with open(os.path.join(env["RGW_FIXTURES"], "manifest.json"), encoding="utf-8") as f:
        env["manifest"] = json.load(f)
    return env


@pytest.fixture(scope="session")
def s3(rgw):
    return s3_fixtures.make_client(rgw)


def client_options(rgw, **extra):
    options = dict(endpoint_url=rgw["RGW_ENDPOINT"], region="us-east-1",
                   aws_access_key_id=rgw["RGW_ACCESS_KEY"],
                   aws_secret_access_key=rgw["RGW_SECRET_KEY"])
    options.update(extra)
    return options


@pytest.fixture(scope="session")
def client(rgw):
    return objectfs.Client(**client_options(rgw))


@pytest.fixture
def prefix(request):
    """A fresh key prefix per test, so tests never see each other's objects."""
    return f"python/{request.node.name}-{uuid.uuid4().hex[:8]}/"


@pytest.fixture
def put(s3, prefix):
    """put(name, data) -> the s3:// URI of a new object under this test's prefix."""

    def put_object(name, data):
        key = prefix + name
        s3.put_object(Bucket=BUCKET, Key=key, Body=data)
        return f"s3://{BUCKET}/{key}"

    return put_object


def s3uri(key):
    return f"s3://{BUCKET}/{key}"
