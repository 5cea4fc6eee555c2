"""objectfs.Client: the options of the `objectfs` CLI as keyword arguments, and
the default client that the module-level functions use."""

import os
import re
import threading

from . import _objectfs
from ._file import ObjectFile

_SIZE = re.compile(r"^\s*(\d+)\s*(B|K|k|KiB|M|MiB|G|GiB|T|TiB)?\s*$")
_SCALE = {None: 1, "B": 1, "K": 1 << 10, "k": 1 << 10, "KiB": 1 << 10, "M": 1 << 20,
          "MiB": 1 << 20, "G": 1 << 30, "GiB": 1 << 30, "T": 1 << 40, "TiB": 1 << 40}


def parse_size(value, option):
    """Bytes from an int or a CLI-style size such as "256M", "8MiB", "1G" or "4096"."""
    if isinstance(value, bool):
        raise ValueError(f"{option}: expected a size such as 8M or 1048576, got {value!r}")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"{option}: size must not be negative, got {value}")
        return value
    if isinstance(value, str):
        match = _SIZE.match(value)
        if match:
            return int(match.group(1)) * _SCALE[match.group(2)]
    raise ValueError(f"{option}: invalid size {value!r} (expected e.g. 8M, 1G, 4096)")


def _string(value, option):
    if not isinstance(value, (str, os.PathLike)):
        raise ValueError(f"{option}: expected a string, got {value!r}")
    return os.fspath(value)


def _number(value, option):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{option}: expected a number of seconds, got {value!r}")
    return float(value)


def _count(value, option):
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{option}: expected an integer, got {value!r}")
    return value


def _memory_limit(value, option):
    return 0 if value in (None, "auto") else parse_size(value, option)


def _part_size(value, option):
    size = parse_size(value, option)
    if size < 64 << 10:
        raise ValueError(f"{option} must be at least 64K, got {value!r}")
    return size


# Option name -> converter, in the order of `objectfs --help`.
_OPTIONS = {
    "endpoint_url": _string,
    "region": _string,
    "profile": _string,
    "aws_access_key_id": _string,
    "aws_secret_access_key": _string,
    "aws_session_token": _string,
    "no_sign_request": lambda value, option: bool(value),
    "force_path_style": lambda value, option: bool(value),
    "part_size": _part_size,
    "memory_limit": _memory_limit,
    "max_readahead": parse_size,
    "max_parallel_requests": _count,
    "max_attempts": _count,
    "connect_timeout": _number,
    "read_timeout": _number,
    "ca_bundle": _string,
    "cache_dir": lambda value, option: os.fspath(value),
    "cache_size": parse_size,
}


class Client:
    """A connection pool, memory cache and I/O threads, configured like the CLI.

    Options (all optional; unset ones come from the environment as in the AWS CLI):
      endpoint_url, region, profile, aws_access_key_id, aws_secret_access_key,
      aws_session_token, no_sign_request, force_path_style,
      part_size ("8M"), memory_limit ("auto" or e.g. "2G"), max_readahead ("256M"),
      max_parallel_requests (16), max_attempts (5),
      connect_timeout (seconds, 5), read_timeout (seconds without data, 30),
      ca_bundle (path), cache_dir (a persistent disk cache, as `objectfs --cache-dir`;
      default OBJECTFS_CACHE_DIR), cache_size ("50G"; default 10G).
    Sizes are ints (bytes) or strings with K/M/G/T suffixes. Thread-safe.
    """

    def __init__(self, **options):
        native = {}
        for name, value in options.items():
            convert = _OPTIONS.get(name)
            if convert is None:
                raise TypeError(f"unknown Client option {name!r}; known options: "
                                + ", ".join(_OPTIONS))
            native[name] = convert(value, name)
        self._options = dict(options)
        self._native = _objectfs.Client(**native)

    def open(self, uri, mode="rb"):
        """Opens an object for reading (one metadata request; reads pin its ETag)."""
        if mode not in ("rb", "br"):
            raise ValueError(f"objectfs.open: mode {mode!r} is not supported (only 'rb')")
        uri = os.fspath(uri)
        return ObjectFile(self._native.open(uri), self)

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
        """Request, byte and cache counters since the client was created."""
        return self._native.stats()

    def __repr__(self):
        shown = {k: v for k, v in self._options.items() if "secret" not in k and "token" not in k}
        return f"objectfs.Client({', '.join(f'{k}={v!r}' for k, v in shown.items())})"


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
