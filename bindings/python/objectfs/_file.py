"""objectfs.open(...) returns an ObjectFile: a raw, seekable, read-only io
object over a native File. Every read goes straight to the library with the
GIL released; the library's block cache and readahead make a Python-side
buffer unnecessary (wrap it in io.BufferedReader if a caller needs peek())."""

import io

_LINE_CHUNK = 64 << 10


class ObjectFile(io.RawIOBase):
    """A read-only file over an object, pinned to the ETag it had at open.

    read/readinto/seek/tell move one position and are not meant for concurrent
    use; pread/pread_into take an offset and are safe from many threads.
    """

    def __init__(self, native, client):
        super().__init__()
        self._native = native
        self._client = client  # keeps the client (threads, cache) alive
        self._pos = 0
        self.name = native.uri
        self.mode = "rb"

    # -- what the object is -------------------------------------------------
    @property
    def size(self):
        return self._native.size

    @property
    def etag(self):
        return self._native.etag

    @property
    def uri(self):
        return self._native.uri

    def readable(self):
        self._checkClosed()
        return True

    def seekable(self):
        self._checkClosed()
        return True

    def writable(self):
        return False

    # -- positional reads (thread-safe) --------------------------------------
    def pread(self, offset, size):
        """Up to `size` bytes at `offset` (fewer only at the end); the position is unchanged."""
        self._checkClosed()
        if offset < 0 or size < 0:
            raise ValueError(f"pread: offset and size must not be negative ({offset}, {size})")
        return self._native.pread(offset, size)

    def pread_into(self, offset, buffer):
        """Fills `buffer` (any writable contiguous buffer) from `offset`; returns the count."""
        self._checkClosed()
        if offset < 0:
            raise ValueError(f"pread_into: offset must not be negative ({offset})")
        return self._native.pread_into(offset, buffer)

    # -- io.RawIOBase ---------------------------------------------------------
    def readinto(self, buffer):
        self._checkClosed()
        n = self._native.pread_into(self._pos, buffer)
        self._pos += n
        return n

    def read(self, size=-1):
        self._checkClosed()
        if size is None or size < 0:
            size = max(0, self.size - self._pos)
        data = self._native.pread(self._pos, size)
        self._pos += len(data)
        return data

    def readall(self):
        return self.read(-1)

    def readline(self, size=-1):
        self._checkClosed()
        limit = self.size - self._pos if size is None or size < 0 else size
        parts, taken = [], 0
        while taken < limit:
            chunk = self._native.pread(self._pos + taken, min(_LINE_CHUNK, limit - taken))
            if not chunk:
                break
            newline = chunk.find(b"\n")
            if newline >= 0:
                chunk = chunk[:newline + 1]
            parts.append(chunk)
            taken += len(chunk)
            if newline >= 0:
                break
        self._pos += taken
        return b"".join(parts)

    def seek(self, offset, whence=io.SEEK_SET):
        self._checkClosed()
        if whence == io.SEEK_SET:
            position = offset
        elif whence == io.SEEK_CUR:
            position = self._pos + offset
        elif whence == io.SEEK_END:
            position = self.size + offset
        else:
            raise ValueError(f"seek: invalid whence {whence!r}")
        if position < 0:
            raise ValueError(f"seek: negative position {position}")
        self._pos = position
        return position

    def tell(self):
        self._checkClosed()
        return self._pos

    def close(self):
        super().close()
        self._native = None  # the native File (and its share of the client) goes now

    def __repr__(self):
        state = "closed" if self.closed else f"size={self.size}"
        return f"<objectfs.ObjectFile {self.name!r} {state}>"
