"""objectfs.Client: the options of the `objectfs` CLI as keyword arguments, and
the default client that the module-level functions use."""

import errno
import numbers
import os
import threading

from . import _objectfs
from ._file import ObjectFile
from ._write_file import ObjectWriter

# The library's option schema (include/objectfs/option_schema.hpp): the same
# names as `objectfs --help` with underscores, as in the README's option table.
_SCHEMA = {info["name"]: info for info in _objectfs.option_schema()}
_NAMES = {**{info["alias"]: name for name, info in _SCHEMA.items() if info["alias"]},
          **{name: name for name in _SCHEMA}}
_SECRET = ("secret", "token", "account_key", "connection_string")
_EXPECTED = {"int": "an integer", "size": "a size such as 8M or 1048576",
             "seconds": "a number of seconds"}


def _text(value, option, kind):
    """A Python value as the text the library parses; the library checks the value."""
    if kind == "string":
        if isinstance(value, (str, os.PathLike)):
            return os.fspath(value)
        raise ValueError(f"{option}: expected a string, got {value!r}")
    if isinstance(value, str):
        return value
    if kind == "bool":
        if isinstance(value, (bool, int)):
            return "1" if value else "0"
        raise ValueError(f"{option}: expected True or False, got {value!r}")
    integral = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if not integral and (kind != "seconds" or not isinstance(value, numbers.Real)):
        raise ValueError(f"{option}: expected {_EXPECTED[kind]}, got {value!r}")
    return repr(float(value)) if kind == "seconds" else str(int(value))


class Client:
    """A connection pool, memory cache and I/O threads, configured like the CLI.

    Options (all optional) are the CLI's, named with underscores: S3
    (endpoint_url, region, profile, aws_access_key_id, aws_secret_access_key,
    aws_session_token, no_sign_request, force_path_style), Google Cloud Storage
    (gcs_credentials, gcs_endpoint, gcs_emulator_host, gcs_anonymous), Azure Blob
    (azure_connection_string, azure_account_name, azure_account_key,
    azure_sas_token, azure_blob_endpoint, azure_anonymous), reading (part_size
    "8M", memory_limit "auto", max_readahead, max_parallel_requests, ...), HTTP
    (max_attempts, connect_timeout, read_timeout, ca_bundle, ...) and the disk
    cache (cache_dir, cache_size); objectfs.option_schema() lists them all with
    their defaults. Sizes are ints (bytes) or strings with K/M/G/T suffixes,
    timeouts numbers of seconds. config="FILE" (else $OBJECTFS_CONFIG) reads a
    YAML file of the same names; keyword arguments win over the environment,
    which wins over the file. Unset options come from the environment as in the
    AWS CLI. Thread-safe.
    """

    def __init__(self, config=None, **options):
        values = []
        for option, value in options.items():
            name = _NAMES.get(option)
            if name is None:
                raise TypeError(f"unknown Client option {option!r}; known options: "
                                + ", ".join(_SCHEMA))
            if value is not None:  # None: the default
                values.append((name, _text(value, option, _SCHEMA[name]["type"])))
        self._options = dict(options)
        self._config = os.fspath(config) if config else None
        self._native = _objectfs.Client(values, self._config or "")

    def open(self, uri, mode="rb", *, part_size=None, content_type=None, info=None):
        """Opens an object: "rb" to read (one metadata request; reads pin its
        ETag), "wb" to write a new version (an ObjectWriter: the object appears
        at close()), "xb" to write one that must not exist yet
        (FileExistsError). part_size (bytes; default the Client's) and
        content_type apply to writes. info (reading): this object's ObjectInfo
        from ls(detail=True) or stat(); then no metadata request is sent where
        the store's listing spells ETags as stat does (S3, GCS, Azure, local
        files), and reads pin the version listed (ObjectChangedError if it was
        replaced since); other stores are asked once, as without info."""
        uri = os.fspath(uri)
        kind = "".join(sorted(mode)) if isinstance(mode, str) else mode
        if kind == "br":
            if part_size is not None or content_type is not None:
                raise ValueError("objectfs.open: part_size and content_type are for writing")
            if info is not None:
                if not isinstance(info, _objectfs.ObjectInfo):
                    raise TypeError(f"open: info must be an objectfs.ObjectInfo, got {info!r}")
                return ObjectFile(self._native.open_listed(uri, info), self)
            return ObjectFile(self._native.open(uri), self)
        if info is not None:
            raise ValueError("objectfs.open: info is for reading")
        if kind not in ("bw", "bx"):
            raise ValueError(f"objectfs.open: mode {mode!r} is not supported "
                             "('rb', 'wb' or 'xb')")
        if part_size is not None and (isinstance(part_size, bool)
                                      or not isinstance(part_size, numbers.Integral)
                                      or part_size < 0):
            raise ValueError(f"part_size: expected a number of bytes, got {part_size!r}")
        native = self._native.create(_target(uri), no_overwrite=kind == "bx",
                                     part_size=int(part_size or 0),
                                     content_type=content_type or "")
        return ObjectWriter(native, self, "xb" if kind == "bx" else "wb")

    def rm(self, uri):
        """Deletes one object (or local file); FileNotFoundError if there is none."""
        self._native.delete(_target(uri))

    def cp(self, source, destination, *, no_clobber=False):
        """Copies one object or file in any direction, like `objectfs cp`: a
        destination ending in '/', a bucket or an existing local directory
        receives the source's name. Store to store is server-side where the
        store can. no_clobber: FileExistsError instead of replacing. Returns
        the new object's ObjectInfo."""
        source, destination = os.fspath(source), os.fspath(destination)
        if _is_local(source) and os.path.isdir(source):
            raise IsADirectoryError(errno.EISDIR, "cp copies one object, not a directory",
                                    source)
        destination = _single_destination(source, destination)
        if _is_local(destination):
            parent = os.path.dirname(os.path.abspath(destination))
            os.makedirs(parent, exist_ok=True)
        return self._native.copy(_target(source), _target(destination),
                                 no_overwrite=bool(no_clobber))

    def put(self, local, uri, *, no_clobber=False):
        """Uploads a local file (cp with a local source)."""
        if not _is_local(os.fspath(local)):
            raise ValueError(f"put: {os.fspath(local)!r} is not a local path")
        return self.cp(local, uri, no_clobber=no_clobber)

    def get(self, uri, local, *, no_clobber=False):
        """Downloads an object to a local file (cp with a local destination)."""
        if not _is_local(os.fspath(local)):
            raise ValueError(f"get: {os.fspath(local)!r} is not a local path")
        return self.cp(uri, local, no_clobber=no_clobber)

    def uploads(self, uri):
        """Multipart uploads left under `uri` by writers that never finished
        (a killed process): [{key, upload_id, started}]."""
        return self._native.list_uploads(_target(uri))

    def abort_upload(self, uri, upload_id):
        """Aborts one leftover upload of the object `uri`."""
        self._native.abort_upload(_target(uri), upload_id)

    def stat(self, uri):
        """ObjectInfo (key, size, etag, mtime) of one object."""
        return self._native.stat(os.fspath(uri))

    def ls(self, uri, recursive=False, detail=False):
        """Keys and prefixes (ending in '/') under `uri`, one level unless `recursive`;
        with `detail`, ObjectInfo for objects and str for prefixes. Pages are followed."""
        uri = os.fspath(uri)
        delimiter = "" if recursive else "/"
        entries, token = [], ""
        while True:
            objects, prefixes, token = self._native.list(uri, delimiter, token)
            entries.extend(prefixes)
            entries.extend(objects if detail else (o.key for o in objects))
            if not token:
                break
        return sorted(entries, key=lambda e: e if isinstance(e, str) else e.key)

    def stats(self):
        """Request, byte and cache counters since the client was created, and
        the run's estimated cost at the price table's list prices (cost_usd,
        then cost_usd_get, _head, _list, _put, _delete and _egress)."""
        return self._native.stats()

    def metrics_text(self):
        """Every metric family in the Prometheus text format."""
        return self._native.metrics_text()

    def metrics_port(self):
        """The port the metrics_address server listens on, 0 without one."""
        return self._native.metrics_port()

    def __repr__(self):
        shown = {k: v for k, v in self._options.items() if not any(s in k for s in _SECRET)}
        return f"objectfs.Client({', '.join(f'{k}={v!r}' for k, v in shown.items())})"


def _is_local(text):
    return "://" not in text


def _target(uri):
    """What the library gets: URIs as they are, local paths made absolute."""
    uri = os.fspath(uri)
    return os.path.abspath(uri) if _is_local(uri) else uri


def _single_destination(source, destination):
    """DESTINATION itself, or DESTINATION/NAME-OF-SOURCE when it names a
    directory: ends in '/', is an existing local directory or a bare bucket."""
    into = destination.endswith("/")
    if _is_local(destination):
        into = into or os.path.isdir(destination)
    else:
        into = into or "/" not in destination.split("://", 1)[1]
    if not into:
        return destination
    name = source.rstrip("/").rsplit("/", 1)[-1]
    return destination + ("" if destination.endswith("/") else "/") + name


_default_client = None
_default_lock = threading.Lock()


def default_client():
    """The Client used when none is given: created on first use from the
    environment (AWS_ENDPOINT_URL, AWS_PROFILE, AWS_ACCESS_KEY_ID, ...)."""
    global _default_client
    with _default_lock:
        if _default_client is None:
            _default_client = Client()
        return _default_client
