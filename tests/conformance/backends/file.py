"""Local files: file:///DIR URIs over a temporary folder."""

NAME = "file"
CAPABILITIES = {"list", "write"}
PUT_THREADS = 8  # put() is thread-safe


class Backend:
    def __init__(self, workdir):
        self.dir = (workdir / "files").resolve()
        self.dir.mkdir()
        self.root_uri = "file://" + str(self.dir)
        self.env = {}

    def put(self, key, data):
        path = self.dir / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    def stop(self):
        pass


def start(workdir):
    return Backend(workdir)
