"""objectfs.fsspec.ObjectFileSystem: ObjectFS as an fsspec file system, so
pandas, dask, xarray, Hugging Face datasets and anything else that takes an
fsspec URL reads (and writes) through one objectfs.Client and its caches.

    import fsspec, objectfs
    fs = fsspec.filesystem("objectfs")            # the default client
    fs = fsspec.filesystem("objectfs", endpoint_url="http://127.0.0.1:9000")
    fs.ls("s3://bucket/data/")
    with fs.open("s3://bucket/data/a.csv") as f:
        frame = pandas.read_csv(f)
    pandas.read_csv("objectfs://s3://bucket/data/a.csv")

Paths are full URIs of any store the Client reads (s3://, gs://, az://,
https://, file:// and local paths), optionally behind "objectfs://"; names
returned are full URIs. Object stores have no directories: a "directory" is a
key prefix ending in "/", and mkdir/rmdir do nothing.

This module needs fsspec; `import objectfs` does not (it registers the
protocol only when fsspec is importable).
"""

import datetime
from concurrent.futures import ThreadPoolExecutor

from fsspec.spec import AbstractFileSystem
from fsspec.utils import stringify_path

from . import _objectfs
from ._client import Client, default_client
from ._listing import list_all, split_uri

_PREFIX = "objectfs://"
# Options of the fsspec base class (its listing cache), not of the Client.
_FSSPEC_OPTIONS = ("use_listings_cache", "listings_expiry_time", "max_paths")


class ObjectFileSystem(AbstractFileSystem):
    """An fsspec file system over an objectfs.Client.

    ObjectFileSystem(client=None, threads=16, **options): `client` an
    objectfs.Client, else a new Client(**options) when Client options are
    given, else objectfs.default_client(). `threads` bounds the parallel reads
    of cat_ranges. Listings are cached (fsspec's dircache; `refresh=True` or
    invalidate_cache() forget them); cat_file and cat_ranges open an object
    from its cached listing entry without a HEAD, pinned to the version
    listed (an object replaced since is read again after one HEAD); open()
    always asks the store, so a file opened sees the current version.
    """

    protocol = ("objectfs",)
    root_marker = ""

    def __init__(self, client=None, threads=16, **options):
        fsspec_options = {k: options.pop(k) for k in _FSSPEC_OPTIONS if k in options}
        super().__init__(**fsspec_options)
        if client is not None and options:
            raise ValueError("ObjectFileSystem: give a client or Client options, not both")
        if client is not None and not isinstance(client, Client):
            raise TypeError(f"ObjectFileSystem: client must be an objectfs.Client, got {client!r}")
        self.client = client or (Client(**options) if options else default_client())
        if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
            raise ValueError(f"ObjectFileSystem: threads must be a positive integer, "
                             f"got {threads!r}")
        self.threads = threads

    # -- paths ------------------------------------------------------------------
    @classmethod
    def _strip_protocol(cls, path):
        if isinstance(path, list):
            return [cls._strip_protocol(p) for p in path]
        path = stringify_path(path)
        if path.startswith(_PREFIX):
            path = path[len(_PREFIX):]
        elif path.startswith("objectfs::"):
            path = path[len("objectfs::"):]
        base, key = split_uri(path)
        if base == "file://":
            return base + "/" + key.strip("/")  # an absolute path; the root is file:///
        return (base + key).rstrip("/")

    @classmethod
    def _parent(cls, path):
        path = cls._strip_protocol(path)
        base, key = split_uri(path)
        if base == "file://":
            return base + (key.rsplit("/", 1)[0] or "/")
        return base + key.rsplit("/", 1)[0] if "/" in key else base.rstrip("/")

    def unstrip_protocol(self, name):
        return name if name.startswith(_PREFIX) else _PREFIX + name

    # -- listings -----------------------------------------------------------------
    @staticmethod
    def _file_entry(base, info):
        entry = {"name": base + info.key, "size": info.size, "type": "file", "etag": info.etag,
                 "mtime": info.mtime, "object_info": info}
        if info.version:
            entry["version"] = info.version
        return entry

    @staticmethod
    def _dir_entry(name):
        return {"name": name.rstrip("/"), "size": 0, "type": "directory"}

    @staticmethod
    def _prefix_of(key):
        return key + "/" if key and not key.endswith("/") else key

    def _list_dir(self, path):
        """The entries directly under `path` (a directory), cached; [] when none."""
        base, key = split_uri(path)
        prefix = self._prefix_of(key)
        objects, prefixes = list_all(self.client, base + prefix, delimiter="/")
        entries = [self._dir_entry(base + p) for p in prefixes]
        # A key ending in "/" is a directory marker some tools write, not a file.
        entries += [self._file_entry(base, o) for o in objects if not o.key.endswith("/")]
        entries.sort(key=lambda e: e["name"])
        if entries:
            self.dircache[path] = entries
        return entries

    def ls(self, path, detail=True, refresh=False, **kwargs):
        path = self._strip_protocol(path)
        entries = None if refresh else self.dircache.get(path)
        if entries is None:
            entries = self._list_dir(path)
        if not entries:
            entries = [self.info(path, refresh=True)]  # a file lists itself; nothing raises
            if entries[0]["type"] == "directory":
                entries = []
        return entries if detail else [e["name"] for e in entries]

    def _cached_entry(self, path):
        parent = self.dircache.get(self._parent(path))
        if parent:
            for entry in parent:
                if entry["name"] == path:
                    return entry
        return None

    def info(self, path, refresh=False, **kwargs):
        path = self._strip_protocol(path)
        if not refresh:
            entry = self._cached_entry(path)
            if entry is not None:
                return entry
        base, key = split_uri(path)
        if key and key != "/":
            try:
                return self._file_entry(base, self.client.stat(path))
            except FileNotFoundError:
                pass
            except ValueError:
                if base != "file://":  # a local directory is "not a regular file"
                    raise
        # A directory when anything is listed under it (the root always is).
        objects, prefixes, _ = self.client._native.list(base + self._prefix_of(key), "/", "", 1)
        if objects or prefixes or not key or key == "/":
            return self._dir_entry(path)
        raise FileNotFoundError(path)

    def find(self, path, maxdepth=None, withdirs=False, detail=False, **kwargs):
        """Every file under `path` (and directory, with `withdirs`), from one
        recursive listing instead of a listing per directory."""
        path = self._strip_protocol(path)
        if maxdepth is not None and maxdepth < 1:
            raise ValueError("maxdepth must be at least 1")
        base, key = split_uri(path)
        prefix = self._prefix_of(key)
        objects, _ = list_all(self.client, base + prefix, delimiter="")
        out = {}
        for info in objects:
            parts = info.key[len(prefix):].split("/")
            if withdirs:
                for depth in range(1, len(parts)):
                    if maxdepth is None or depth <= maxdepth:
                        name = base + prefix + "/".join(parts[:depth])
                        out.setdefault(name, self._dir_entry(name))
            if info.key.endswith("/") or (maxdepth is not None and len(parts) > maxdepth):
                continue
            out[base + info.key] = self._file_entry(base, info)
        if not out and key:
            try:
                entry = self.info(path)
            except FileNotFoundError:
                entry = None
            if entry is not None and entry["type"] == "file":
                out[path] = entry
        names = sorted(out)
        return {n: out[n] for n in names} if detail else names

    def du(self, path, total=True, maxdepth=None, **kwargs):
        sizes = {name: e["size"] for name, e in
                 self.find(path, maxdepth=maxdepth, detail=True).items()}
        return sum(sizes.values()) if total else sizes

    def modified(self, path):
        return datetime.datetime.fromtimestamp(self.info(path)["mtime"], datetime.timezone.utc)

    def ukey(self, path):
        entry = self.info(path)
        return entry.get("version") or entry.get("etag") or super().ukey(path)

    # -- reads --------------------------------------------------------------------
    def _open_for_read(self, path):
        """A native ObjectFile from the cached listing entry (no HEAD), else after one."""
        entry = self._cached_entry(path)
        if entry is not None and entry["type"] == "file":
            return self.client.open(path, info=entry["object_info"]), True
        return self.client.open(path), False

    @staticmethod
    def _range(size, start, end):
        start = 0 if start is None else (max(0, size + start) if start < 0 else start)
        end = size if end is None else (max(0, size + end) if end < 0 else min(end, size))
        return start, max(0, end - start)

    def cat_file(self, path, start=None, end=None, **kwargs):
        path = self._strip_protocol(path)
        f, from_listing = self._open_for_read(path)
        try:
            offset, length = self._range(f.size, start, end)
            return f.pread(offset, length)
        except _objectfs.ObjectChangedError:
            if not from_listing:
                raise
            # Replaced since it was listed: forget the listing, read what is there now.
            self.invalidate_cache(self._parent(path))
            return self.cat_file(path, start, end)
        finally:
            f.close()

    def cat_ranges(self, paths, starts, ends, max_gap=None, on_error="return", **kwargs):
        """Byte ranges of many objects, read in parallel (`threads` at once),
        each opened from its cached listing entry like cat_file.
        on_error="return" puts the exception in place of a failed range,
        "raise" raises the first."""
        if max_gap is not None:
            raise NotImplementedError("cat_ranges: max_gap is not supported")
        paths = [self._strip_protocol(p) for p in paths]
        if not isinstance(starts, list):
            starts = [starts] * len(paths)
        if not isinstance(ends, list):
            ends = [ends] * len(paths)
        if not len(paths) == len(starts) == len(ends):
            raise ValueError("cat_ranges: paths, starts and ends differ in length")
        if not paths:
            return []

        def one(i):
            try:
                return self.cat_file(paths[i], starts[i], ends[i])
            except Exception as e:  # noqa: BLE001 (returned or raised below, as asked)
                if on_error == "raise":
                    raise
                return e

        with ThreadPoolExecutor(max_workers=min(self.threads, len(paths))) as pool:
            return list(pool.map(one, range(len(paths))))

    def _open(self, path, mode="rb", block_size=None, autocommit=True, cache_options=None,
              **kwargs):
        path = self._strip_protocol(path)
        if not autocommit:
            raise NotImplementedError("objectfs: transactions are not supported "
                                      "(an object appears at close())")
        if "r" in mode:
            return self.client.open(path, "rb")
        self.invalidate_cache(self._parent(path))
        return self.client.open(path, mode)

    # -- writes -------------------------------------------------------------------
    def pipe_file(self, path, value, **kwargs):
        with self.open(path, "wb") as f:
            f.write(value)

    def rm_file(self, path):
        path = self._strip_protocol(path)
        self.client.rm(path)
        self.invalidate_cache(self._parent(path))

    def rm(self, path, recursive=False, maxdepth=None):
        paths = path if isinstance(path, list) else [path]
        for p in paths:
            if recursive:
                for name in self.find(p, maxdepth=maxdepth):
                    self.rm_file(name)
            else:
                self.rm_file(p)
        self.invalidate_cache()

    def cp_file(self, path1, path2, **kwargs):
        path2 = self._strip_protocol(path2)
        self.client.cp(self._strip_protocol(path1), path2)
        self.invalidate_cache(self._parent(path2))

    def put_file(self, lpath, rpath, callback=None, **kwargs):
        rpath = self._strip_protocol(rpath)
        self.client.put(lpath, rpath)
        self.invalidate_cache(self._parent(rpath))

    def get_file(self, rpath, lpath, callback=None, outfile=None, **kwargs):
        self.client.get(self._strip_protocol(rpath), lpath)

    def mkdir(self, path, create_parents=True, **kwargs):
        pass  # prefixes exist while objects are under them

    def makedirs(self, path, exist_ok=False):
        pass

    def rmdir(self, path):
        pass

    def invalidate_cache(self, path=None):
        if path is None:
            self.dircache.clear()
        else:
            self.dircache.pop(self._strip_protocol(path), None)
