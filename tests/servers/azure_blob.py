"""A tiny independent Azure Blob client for test fixtures (stdlib only):
SharedKey-signed Create Container and Put Blob against Azurite.

    /usr/bin/python3 tests/servers/azure_blob.py ENV_FILE create-container NAME
    /usr/bin/python3 tests/servers/azure_blob.py ENV_FILE put CONTAINER BLOB FILE

ENV_FILE is the DIR/env that tests/servers/azurite.sh writes."""

import base64
import email.utils
import hashlib
import hmac
import sys
import urllib.error
import urllib.parse
import urllib.request

API_VERSION = "2021-08-06"


class AzureBlobClient:
    def __init__(self, endpoint, account, key_b64):
        self.endpoint = endpoint.rstrip("/")  # http://127.0.0.1:PORT/devstoreaccount1
        self.account = account
        self.key = base64.b64decode(key_b64)

    def _request(self, method, container, blob=None, query=None, body=b"", headers=None):
        base = urllib.parse.urlsplit(self.endpoint)
        path = base.path + "/" + urllib.parse.quote(container, safe="")
        if blob is not None:
            path += "/" + urllib.parse.quote(blob, safe="/")
        query = query or {}
        headers = dict(headers or {})
        if method == "PUT":
            # urllib adds a form Content-Type to any body; name one so it is signed.
            headers.setdefault("Content-Type", "application/octet-stream")
        headers["x-ms-date"] = email.utils.formatdate(usegmt=True)
        headers["x-ms-version"] = API_VERSION
        length = str(len(body)) if body else ""
        ms = "".join(f"{k.lower()}:{v}\n" for k, v in sorted(headers.items()) if k.lower().startswith("x-ms-"))
        resource = f"/{self.account}{path}" + "".join(f"\n{k}:{v}" for k, v in sorted(query.items()))
        to_sign = "\n".join([method, "", "", length, "", headers.get("Content-Type", ""), "", "", "", "", "", ""]) + "\n" + ms + resource
        sig = base64.b64encode(hmac.new(self.key, to_sign.encode(), hashlib.sha256).digest()).decode()
        headers["Authorization"] = f"SharedKey {self.account}:{sig}"
        url = f"{base.scheme}://{base.netloc}{path}"
        if query:
            url += "?" + urllib.parse.urlencode(query)
        req = urllib.request.Request(url, data=body if method == "PUT" else None, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def create_container(self, name):
        status, body = self._request("PUT", name, query={"restype": "container"})
        if status not in (201, 409):
            raise RuntimeError(f"Create Container {name}: HTTP {status}: {body[:300]!r}")

    def put_blob(self, container, blob, data):
        status, body = self._request("PUT", container, blob, body=data, headers={
            "x-ms-blob-type": "BlockBlob", "Content-Type": "application/octet-stream"})
        if status != 201:
            raise RuntimeError(f"Put Blob {blob!r}: HTTP {status}: {body[:300]!r}")

    def get_blob(self, container, blob):
        """The blob's bytes, or None when there is none."""
        status, body = self._request("GET", container, blob)
        if status == 404:
            return None
        if status != 200:
            raise RuntimeError(f"Get Blob {blob!r}: HTTP {status}: {body[:300]!r}")
        return body


def load_env(path):
    values = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if "=" in line and not line.startswith("#"):
                name, value = line.rstrip("\n").split("=", 1)
                values[name] = value.strip("'\"")
    return values


def client_from_env(env):
    return AzureBlobClient(env["AZURITE_ENDPOINT"], env["AZURE_STORAGE_ACCOUNT"], env["AZURE_STORAGE_KEY"])


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    client = client_from_env(load_env(argv[1]))
    if argv[2] == "create-container" and len(argv) == 4:
        client.create_container(argv[3])
    elif argv[2] == "put" and len(argv) == 6:
        with open(argv[5], "rb") as f:
            client.put_blob(argv[3], argv[4], f.read())
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
