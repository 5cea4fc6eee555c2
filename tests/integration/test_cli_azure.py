"""Azure-specific CLI checks against a real Azurite that this module starts and
stops: SAS tokens (account SAS signed here with the stdlib), a bad SAS, the
AZURE_STORAGE_ACCOUNT/KEY variables, anonymous access to a private container.
The shared behaviour (reads, ranges, listings, wrong key) is in tests/conformance."""

import base64
import datetime
import hashlib
import hmac
import os
import pathlib
import subprocess
import sys
import urllib.parse

import pytest

SERVERS = pathlib.Path(__file__).resolve().parents[1] / "servers"
sys.path.insert(0, str(SERVERS))
import azure_blob  # noqa: E402

CONTAINER = "azure-cli"
DATA = hashlib.shake_128(b"azure").digest(300_000)


@pytest.fixture(scope="module")
def azurite(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("azurite")
    subprocess.run([str(SERVERS / "azurite.sh"), "start", str(workdir)], check=True)
    try:
        env = azure_blob.load_env(workdir / "env")
        client = azure_blob.client_from_env(env)
        client.create_container(CONTAINER)
        client.put_blob(CONTAINER, "data.bin", DATA)
        yield env
    finally:
        subprocess.run([str(SERVERS / "azurite.sh"), "stop", str(workdir)], check=False)


def run(env, *args):
    full = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/nonexistent", **env}
    return subprocess.run([os.environ["OBJECTFS_BIN"], *args], env=full, capture_output=True,
                          timeout=120)


def account_sas(env, permissions="rl", key=None):
    """An account SAS (version 2019-12-12) as Microsoft documents it."""
    expiry = (datetime.datetime.utcnow() + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    fields = [env["AZURE_STORAGE_ACCOUNT"], permissions, "b", "sco", "", expiry, "", "http",
              "2019-12-12", ""]
    secret = base64.b64decode(key or env["AZURE_STORAGE_KEY"])
    sig = base64.b64encode(hmac.new(secret, "\n".join(fields).encode(), hashlib.sha256).digest())
    return urllib.parse.urlencode({"sv": "2019-12-12", "ss": "b", "srt": "sco", "sp": permissions,
                                   "se": expiry, "spr": "http", "sig": sig.decode()})


def sas_connection(env, sas):
    return (f"AccountName={env['AZURE_STORAGE_ACCOUNT']};SharedAccessSignature={sas};"
            f"BlobEndpoint={env['AZURITE_ENDPOINT']}")


def test_sas_token_reads_and_lists(azurite):
    env = {"AZURE_STORAGE_CONNECTION_STRING": sas_connection(azurite, account_sas(azurite))}
    result = run(env, "cat", f"az://{CONTAINER}/data.bin")
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == DATA
    listing = run(env, "ls", f"az://{CONTAINER}/")
    assert listing.stdout.decode().split() == ["data.bin"]


def test_bad_sas_names_the_source(azurite):
    wrong = base64.b64encode(b"x" * 64).decode()
    sas = account_sas(azurite, key=wrong)
    env = {"AZURE_STORAGE_CONNECTION_STRING": sas_connection(azurite, sas)}
    result = run(env, "stat", f"az://{CONTAINER}/data.bin")
    assert result.returncode == 1
    err = result.stderr.decode()
    assert "permission denied" in err and "HTTP 403" in err, err
    assert "AZURE_STORAGE_CONNECTION_STRING (SAS token)" in err, err
    assert urllib.parse.parse_qs(sas)["sig"][0] not in err


def test_account_and_key_variables_with_an_explicit_endpoint_in_the_connection_string(azurite):
    # AZURE_STORAGE_ACCOUNT + AZURE_STORAGE_KEY point at *.blob.core.windows.net, which
    # is unreachable here; their parsing is unit-tested. The account-key connection
    # string with BlobEndpoint is the Azurite way.
    env = {"AZURE_STORAGE_CONNECTION_STRING": azurite["AZURE_STORAGE_CONNECTION_STRING"]}
    result = run(env, "cat", "--range", "1000-1009", f"az://{CONTAINER}/data.bin")
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == DATA[1000:1010]


def test_anonymous_access_to_a_private_container_is_refused(azurite):
    env = {"AZURE_STORAGE_CONNECTION_STRING":
           f"AccountName={azurite['AZURE_STORAGE_ACCOUNT']};BlobEndpoint={azurite['AZURITE_ENDPOINT']}"}
    result = run(env, "cat", f"az://{CONTAINER}/data.bin")
    assert result.returncode == 1
    err = result.stderr.decode()
    assert "data.bin" in err and "anonymous" in err, err


def test_malformed_key_is_reported_before_any_request(azurite):
    conn = azurite["AZURE_STORAGE_CONNECTION_STRING"].replace(
        azurite["AZURE_STORAGE_KEY"], "not*base64")
    result = run({"AZURE_STORAGE_CONNECTION_STRING": conn}, "stat", f"az://{CONTAINER}/data.bin")
    assert result.returncode == 1
    err = result.stderr.decode()
    assert "not valid base64" in err and "AZURE_STORAGE_CONNECTION_STRING" in err, err


def test_no_account_configured(azurite):
    result = run({}, "stat", f"az://{CONTAINER}/data.bin")
    assert result.returncode == 1
    assert "no Azure storage account configured" in result.stderr.decode()


def test_azure_cli_style_flags(azurite):
    """The Azure CLI's flag names, with no AZURE_* variable set."""
    account = ["--account-name", azurite["AZURE_STORAGE_ACCOUNT"],
               "--blob-endpoint", azurite["AZURITE_ENDPOINT"]]
    with_key = run({}, *account, "--account-key", azurite["AZURE_STORAGE_KEY"], "cat",
                   f"az://{CONTAINER}/data.bin")
    assert with_key.returncode == 0, with_key.stderr.decode()
    assert with_key.stdout == DATA
    with_sas = run({}, *account, "--sas-token", account_sas(azurite), "ls", f"az://{CONTAINER}/")
    assert with_sas.returncode == 0, with_sas.stderr.decode()
    assert with_sas.stdout.decode().split() == ["data.bin"]
    connection = (f"AccountName={azurite['AZURE_STORAGE_ACCOUNT']};"
                  f"AccountKey={azurite['AZURE_STORAGE_KEY']};"
                  f"BlobEndpoint={azurite['AZURITE_ENDPOINT']}")
    with_string = run({}, "--connection-string", connection, "stat", f"az://{CONTAINER}/data.bin")
    assert with_string.returncode == 0, with_string.stderr.decode()
    anonymous = run({}, *account, "--azure-anonymous", "stat", f"az://{CONTAINER}/data.bin")
    assert anonymous.returncode == 1
    assert "anonymous" in anonymous.stderr.decode()
