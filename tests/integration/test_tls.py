"""TLS is verified by default for every store: a self-signed HTTPS server
(the fault proxy speaking HTTPS in front of RGW, Azurite and a plain HTTP
server) is refused with a message that says "certificate", and accepted with
--ca-bundle (or OBJECTFS_CA_BUNDLE). No option turns verification off."""

import os
import pathlib
import subprocess
import sys

import pytest

from conftest import s3uri

SERVERS = pathlib.Path(__file__).resolve().parent.parent / "servers"
sys.path.insert(0, str(SERVERS))
import azure_blob  # noqa: E402
from fault_proxy import FaultProxy  # noqa: E402
from hostile_server import GOOD_BYTES, HostileServer  # noqa: E402

CONTAINER = "tls"
AZ_DATA = b"azure over https\n" * 10
S3_DATA = b"s3 over https\n" * 10


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1, made for this run."""
    d = tmp_path_factory.mktemp("tls")
    crt, key = d / "server.crt", d / "server.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(crt)], check=True, capture_output=True)
    return crt, key


@pytest.fixture
def https(cert):
    started = []

    def make(upstream):
        p = FaultProxy(upstream, fault="500", every=0, tls=cert).start()
        started.append(p)
        return p

    yield make
    for p in started:
        p.stop()


def refused_then_accepted(run, cert, uri, expected):
    refused = run("cat", uri)
    err = refused.stderr.decode(errors="replace")
    assert refused.returncode == 1, err
    assert "certificate" in err, err
    assert uri in err, err
    assert len(err.strip().splitlines()) == 1, err
    assert "gave up after" not in err, "a certificate error was retried"
    accepted = run("--ca-bundle", str(cert[0]), "cat", uri)
    assert accepted.returncode == 0, accepted.stderr
    assert accepted.stdout == expected
    by_env = run("cat", uri, extra={"OBJECTFS_CA_BUNDLE": str(cert[0])})
    assert by_env.returncode == 0, by_env.stderr
    assert by_env.stdout == expected


def test_s3_over_self_signed_https(objectfs, https, cert, rgw):
    import boto3
    boto3.client("s3", endpoint_url=rgw["RGW_ENDPOINT"], aws_access_key_id=rgw["RGW_ACCESS_KEY"],
                 aws_secret_access_key=rgw["RGW_SECRET_KEY"],
                 region_name="us-east-1").put_object(Bucket="objectfs-test", Key="tls/object",
                                                     Body=S3_DATA)
    proxy = https(rgw["RGW_ENDPOINT"])

    def run(*args, extra=None):
        return objectfs(*args, env_extra={"AWS_ENDPOINT_URL": proxy.url, **(extra or {})})

    refused_then_accepted(run, cert, s3uri("tls/object"), S3_DATA)


def test_plain_https_self_signed(https, cert, tmp_path):
    server = HostileServer().start()
    try:
        proxy = https(server.url)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)}

        def run(*args, extra=None):
            return subprocess.run([os.environ["OBJECTFS_BIN"], *args], env={**env, **(extra or {})},
                                  capture_output=True, timeout=60)

        refused_then_accepted(run, cert, f"{proxy.url}/bkt/object", GOOD_BYTES)
    finally:
        server.stop()


@pytest.fixture(scope="module")
def azurite(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("azurite-tls")
    subprocess.run([str(SERVERS / "azurite.sh"), "start", str(workdir)], check=True)
    try:
        env = azure_blob.load_env(workdir / "env")
        client = azure_blob.client_from_env(env)
        client.create_container(CONTAINER)
        client.put_blob(CONTAINER, "data.bin", AZ_DATA)
        yield env
    finally:
        subprocess.run([str(SERVERS / "azurite.sh"), "stop", str(workdir)], check=False)


def test_azure_over_self_signed_https(azurite, https, cert, tmp_path):
    origin = azurite["AZURITE_ENDPOINT"].split("/devstoreaccount1")[0]
    proxy = https(origin)
    env = {"AZURE_STORAGE_ACCOUNT": azurite["AZURE_STORAGE_ACCOUNT"],
           "AZURE_STORAGE_KEY": azurite["AZURE_STORAGE_KEY"],
           "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)}

    def run(*args, extra=None):
        full = {**env, **(extra or {})}
        return subprocess.run([os.environ["OBJECTFS_BIN"], "--azure-blob-endpoint",
                               f"{proxy.url}/devstoreaccount1", *args], env=full,
                              capture_output=True, timeout=60)

    refused_then_accepted(run, cert, f"az://{CONTAINER}/data.bin", AZ_DATA)


def test_no_option_disables_verification():
    listing = subprocess.run([os.environ["OBJECTFS_BIN"], "options", "--markdown"],
                             capture_output=True, check=True).stdout.decode().lower()
    for word in ("insecure", "no-verify", "verify-ssl", "skip-verify", "no-check-certificate"):
        assert word not in listing


def test_gcs_over_self_signed_https(https, cert, tmp_path):
    from gcs_emulator_client import Emulator
    emulator = Emulator(tmp_path / "gcs")
    try:
        emulator.put("tls-bucket", "data.bin", AZ_DATA)
        proxy = https(emulator.endpoint)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path),
               "NO_GCE_CHECK": "true"}

        def run(*args, extra=None):
            return subprocess.run([os.environ["OBJECTFS_BIN"], "--gcs-endpoint", proxy.url,
                                   "--gcs-anonymous", *args], env={**env, **(extra or {})},
                                  capture_output=True, timeout=60)

        refused_then_accepted(run, cert, "gs://tls-bucket/data.bin", AZ_DATA)
    finally:
        emulator.stop()
