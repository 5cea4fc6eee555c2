"""Azure Blob: Azurite (tests/servers/azurite.sh), SharedKey from
AZURE_STORAGE_CONNECTION_STRING, uploads with tests/servers/azure_blob.py."""

import base64
import pathlib
import subprocess
import sys

SERVERS = pathlib.Path(__file__).resolve().parents[2] / "servers"
sys.path.insert(0, str(SERVERS))
import azure_blob  # noqa: E402

NAME = "azure"
CAPABILITIES = {"list", "paging", "permission_errors", "dotdot_keys", "mount", "network",
                "write"}
PUT_THREADS = 8  # put() is thread-safe
CONTAINER = "conformance"


class Backend:
    def __init__(self, workdir):
        self.dir = workdir / "azurite"
        subprocess.run([str(SERVERS / "azurite.sh"), "start", str(self.dir)], check=True)
        try:
            server_env = azure_blob.load_env(self.dir / "env")
            self.client = azure_blob.client_from_env(server_env)
            self.client.create_container(CONTAINER)
        except BaseException:
            self.stop()
            raise
        self.root_uri = f"az://{CONTAINER}"
        connection = server_env["AZURE_STORAGE_CONNECTION_STRING"]
        self.env = {"AZURE_STORAGE_CONNECTION_STRING": connection}
        wrong_key = base64.b64encode(b"not the account key, 64 bytes long......" * 2).decode()
        self.bad_env = {"AZURE_STORAGE_CONNECTION_STRING": connection.replace(
            server_env["AZURE_STORAGE_KEY"], wrong_key)}
        self.bad_env_source = "AZURE_STORAGE_CONNECTION_STRING"

    def put(self, key, data):
        self.client.put_blob(CONTAINER, key, data)

    def stop(self):
        subprocess.run([str(SERVERS / "azurite.sh"), "stop", str(self.dir)], check=False)


def start(workdir):
    return Backend(workdir)
