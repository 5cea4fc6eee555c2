"""Secrets never appear in what the fronts print: access keys' secrets,
session tokens, Azure account keys and SAS signatures, signatures in
presigned URLs. Every verb fails (or succeeds) here with recognizable
secrets configured, and its output is searched for them."""

import os
import subprocess
import sys

import pytest

from conftest import s3uri

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "servers"))
from hostile_server import HostileServer  # noqa: E402

SECRET = "SECRETsecretSECRET0123456789"
TOKEN = "SESSIONtokenSESSION0123456789"
SAS_SIG = "SASsignatureSAS0123456789"
AZ_KEY = "QVpLRVlhemtleUFaS0VZMDEyMzQ1Njc4OQ=="  # base64, as account keys are


@pytest.fixture(scope="module")
def server():
    s = HostileServer(stall_seconds=5).start()
    yield s
    s.stop()


def run(env, *args):
    full = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/nonexistent",
            "AWS_EC2_METADATA_DISABLED": "true", **env}
    result = subprocess.run([os.environ["OBJECTFS_BIN"], "--max-attempts", "1", "--read-timeout",
                             "1", "--stats", *args], env=full, capture_output=True, timeout=60)
    return result


def assert_no_secret(result):
    text = result.stdout + result.stderr
    for secret in (SECRET, TOKEN, SAS_SIG, AZ_KEY, AZ_KEY.rstrip("=")):
        assert secret.encode() not in text, text.decode(errors="replace")


@pytest.mark.parametrize("args", [
    ("cat", "s3://bkt/head-403"), ("cat", "s3://bkt/get-500-random"), ("stat", "s3://bkt/x"),
    ("ls", "s3://html-403/"), ("ls", "s3://loop-token/"), ("cat", "s3://bkt/stall"),
    ("cp", "s3://bkt/wrong-range", "/nonexistent/dir/x"), ("rm", "s3://html-403/x")])
def test_s3_errors_never_show_the_secret_or_token(server, args):
    env = {"AWS_ACCESS_KEY_ID": "AKIDVISIBLE", "AWS_SECRET_ACCESS_KEY": SECRET,
           "AWS_SESSION_TOKEN": TOKEN, "AWS_ENDPOINT_URL": server.url, "AWS_REGION": "us-east-1"}
    result = run(env, *args)
    assert result.returncode in (0, 1), result.stderr
    assert_no_secret(result)


def test_rgw_rejecting_the_secret_does_not_print_it(rgw):
    env = {"AWS_ACCESS_KEY_ID": rgw["RGW_ACCESS_KEY"], "AWS_SECRET_ACCESS_KEY": SECRET,
           "AWS_SESSION_TOKEN": TOKEN, "AWS_ENDPOINT_URL": rgw["RGW_ENDPOINT"],
           "AWS_REGION": "us-east-1"}
    result = run(env, "cat", s3uri("hello.txt"))
    assert result.returncode == 1
    assert b"403" in result.stderr, result.stderr
    assert_no_secret(result)


@pytest.mark.parametrize("credential", ["key", "sas", "connection-string"])
def test_azure_errors_never_show_the_key_or_sas(server, credential):
    endpoint = f"{server.url}/devstoreaccount1"
    env = {"AZURE_STORAGE_ACCOUNT": "devstoreaccount1"}
    if credential == "key":
        env["AZURE_STORAGE_KEY"] = AZ_KEY
    elif credential == "sas":
        env["AZURE_STORAGE_SAS_TOKEN"] = f"sv=2021-08-06&ss=b&srt=sco&sp=rl&sig={SAS_SIG}"
    else:
        env["AZURE_STORAGE_CONNECTION_STRING"] = (
            f"AccountName=devstoreaccount1;AccountKey={AZ_KEY};BlobEndpoint={endpoint}")
    for args in (("cat", "az://container/get-500-random"), ("ls", "az://html-403/"),
                 ("stat", "az://container/head-403")):
        result = run(env, "--azure-blob-endpoint", endpoint, *args)
        assert result.returncode == 1, result.stderr
        assert_no_secret(result)


def test_presigned_url_signatures_stay_out_of_messages(server):
    uri = f"{server.url}/bkt/get-500-random?X-Amz-Signature={SECRET}&X-Amz-Security-Token={TOKEN}"
    result = run({}, "cat", uri)
    assert result.returncode == 1
    assert b"HTTP 500" in result.stderr, result.stderr
    assert_no_secret(result)
