"""objectfs.open(uri, "wb") returns an ObjectWriter: a raw, write-only,
sequential io object over a native Writer. Bytes go from the caller's buffer
straight into the library's part buffers (GIL released), which upload on the
Client's threads while the caller keeps writing; the object appears, with
exactly the bytes written, only when close() succeeds."""

import io
import warnings


class ObjectWriter(io.RawIOBase):
    """A write-only file that becomes one object at close().

    - write() takes any C-contiguous buffer (bytes, bytearray, memoryview,
      numpy array, ...) without copying it in Python and always writes all of
      it; flush() sends nothing early (parts upload as they fill) but marks
      the bytes written so far as complete (see below).
    - close() commits and raises if the upload failed (then nothing appears).
    - As a context manager, an exception inside the ``with`` aborts the upload.
    - A writer garbage-collected without close() commits only if nothing was
      written after its last flush() -- the pattern of writers that flush when
      done and leave closing to the caller, such as
      ``torch.save(state, objectfs.open(uri, "wb"))``. One collected with
      unflushed writes (an interrupted writer) aborts, with a RuntimeWarning:
      it never publishes a partial object. Use ``with`` or call close().
    - Not seekable; tell() is the number of bytes written.
    """

    def __init__(self, native, client, mode):
        super().__init__()
        self._native = native
        self._client = client  # keeps the client (its upload threads) alive
        self.name = native.uri
        self.mode = mode
        self.info = None  # the ObjectInfo of the new object, once close() succeeded
        self._flushed_at = None  # bytes_written at the last flush()

    @property
    def uri(self):
        return self.name

    def readable(self):
        return False

    def writable(self):
        self._checkClosed()
        return True

    def seekable(self):
        return False

    def readinto(self, buffer):
        raise io.UnsupportedOperation(f"{self.name}: not readable (opened {self.mode!r})")

    def read(self, size=-1):
        return self.readinto(None)

    def write(self, data):
        self._checkClosed()
        return self._native.write(data)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        """Marks what was written as complete (a garbage-collected writer then
        commits); parts upload as they fill, and only close() publishes."""
        self._checkClosed()
        self._flushed_at = self._native.bytes_written

    def tell(self):
        self._checkClosed()
        return self._native.bytes_written

    def seek(self, offset, whence=io.SEEK_SET):
        # Only the no-op seeks to the current position (some writers ask).
        position = self.tell()
        if (whence == io.SEEK_CUR and offset == 0) or (whence == io.SEEK_SET
                                                       and offset == position):
            return position
        raise io.UnsupportedOperation(f"{self.name}: an object is written sequentially; "
                                      "seek is not supported")

    def truncate(self, size=None):
        raise io.UnsupportedOperation(f"{self.name}: truncate is not supported")

    def close(self):
        """Uploads the rest, waits for every part and commits the object."""
        if self.closed:
            return
        try:
            self.info = self._native.close()
        finally:
            super().close()

    def abort(self):
        """Discards the upload: nothing appears under the key."""
        if self.closed:
            return
        try:
            self._native.abort()
        finally:
            super().close()

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.close()
            return
        try:
            self.abort()
        except Exception:  # noqa: BLE001 (the exception from the with block matters more)
            pass

    def __del__(self):
        # Replaces io's finalizer, which would close() and so publish whatever
        # an abandoned writer happened to hold.
        native = getattr(self, "_native", None)
        if native is None or native.closed:
            return
        if self._flushed_at == native.bytes_written:
            try:
                self.close()
            except Exception as e:  # noqa: BLE001 (no caller to raise to)
                warnings.warn(f"objectfs writer {self.name!r}: committing at garbage "
                              f"collection failed: {e}", RuntimeWarning, stacklevel=2)
            return
        warnings.warn(f"objectfs writer {self.name!r} was garbage-collected without close(): "
                      "writes after the last flush(), so the upload was aborted and nothing was written", RuntimeWarning,
                      stacklevel=2)
        try:
            native.abort()
        except Exception:  # noqa: BLE001 (nothing to report it to)
            pass

    def __repr__(self):
        state = "closed" if self.closed else f"written={self._native.bytes_written}"
        return f"<objectfs.ObjectWriter {self.name!r} {state}>"
