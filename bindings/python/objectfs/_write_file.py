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
      it; flush() does nothing (bytes are already on their way, and a partial
      object can never be visible).
    - close() commits and raises if the upload failed (then nothing appears).
    - As a context manager, an exception inside the ``with`` aborts the upload.
    - A writer garbage-collected without close() aborts the upload (a
      RuntimeWarning says so): an abandoned writer never publishes a partial
      object. Use ``with`` or call close().
    - Not seekable; tell() is the number of bytes written.
    """

    def __init__(self, native, client, mode):
        super().__init__()
        self._native = native
        self._client = client  # keeps the client (its upload threads) alive
        self.name = native.uri
        self.mode = mode
        self.info = None  # the ObjectInfo of the new object, once close() succeeded

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
        """Does nothing: parts upload as they fill, and only close() publishes."""
        self._checkClosed()

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
        warnings.warn(f"objectfs writer {self.name!r} was garbage-collected without close(): "
                      "the upload was aborted and nothing was written", RuntimeWarning,
                      stacklevel=2)
        try:
            native.abort()
        except Exception:  # noqa: BLE001 (nothing to report it to)
            pass

    def __repr__(self):
        state = "closed" if self.closed else f"written={self._native.bytes_written}"
        return f"<objectfs.ObjectWriter {self.name!r} {state}>"
