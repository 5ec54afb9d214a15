"""Read-only byte access to one session of an image or device (used by isoview, eltorito).

`SessionFile` redirects reads of sectors 0-31 (system area and volume descriptors) to the
session's own head at `session_start + 0..31` and passes every other read through: ISO
sessions address their sectors absolutely, so any ISO reader then sees that session.
"""

from __future__ import annotations

import errno
import io
import os
import stat
from collections.abc import Callable

from app.iso.mmc_read import MmcReader, is_mmc_device
from app.iso.records import SECTOR, SYSTEM_AREA


def device_path(path_or_device: str) -> str:
    """A file system path from an xorriso address (`stdio:/x.iso`, `mmc:/dev/sr0`) or a path."""
    if path_or_device.startswith("ssh://"):  # never a local file of the same name
        raise OSError(
            errno.EREMOTE,
            "the medium is on another machine: its files are read there (ssh to it and run "
            "discdeck ls / the browser on that machine)",
            path_or_device,
        )
    for prefix in ("stdio:", "mmc:"):
        if path_or_device.startswith(prefix):
            return path_or_device[len(prefix) :]
    return path_or_device


class SessionFile(io.RawIOBase):
    """Read-only file-like view of an image or device, with sectors 0-31 taken from a session.

    Reads of byte offsets below 32*2048 come from `session_start*2048 + offset`; all other
    reads pass through unchanged. `session_start` None or 0 means no redirection. Reads use
    pread, so `pread()` is safe from several threads at once.

    An optical drive (/dev/srN) is read with SCSI commands over SG_IO, and its size is what
    the drive says (READ CAPACITY): Linux keeps the size a medium had when it came in, so a
    disc burned since reads as the blank it was (see app.iso.mmc_read). `reader` and
    `size` replace both (tests; a medium size known from the TOC).
    """

    def __init__(
        self,
        path: str,
        session_start: int | None = None,
        *,
        reader: Callable[[int, int], bytes] | None = None,
        size: int | None = None,
    ) -> None:
        super().__init__()
        self.path = path
        self.session_start = session_start or 0
        self._fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        self._pos = 0
        self._shift = self.session_start * SECTOR
        self._head = SYSTEM_AREA * SECTOR
        if reader is None and is_mmc_device(path):
            drive = MmcReader(self._fd)
            reader, size = drive.pread_any, size or drive.capacity()
        fd = self._fd
        self._read: Callable[[int, int], bytes] = reader or (lambda n, at: os.pread(fd, n, at))
        self._size = size

    def pread(self, offset: int, size: int) -> bytes:
        """Up to `size` bytes at `offset` of the session view (short only at the end)."""
        if offset < 0 or size <= 0:
            return b""
        chunks: list[bytes] = []
        while size > 0:
            if offset < self._head and self._shift:
                n = min(size, self._head - offset)
                data = self._read(n, offset + self._shift)
            else:
                n = size
                data = self._read(n, offset)
            chunks.append(data)
            if len(data) < n:
                break
            offset += n
            size -= n
        return b"".join(chunks)

    def known_size(self) -> int | None:
        """Bytes of an image file or of a drive's medium as the drive says (so damage past
        its end can be named); None for other devices, whose size the kernel keeps from when
        the medium came in."""
        if self._size is not None:
            return self._size
        info = os.fstat(self._fd)
        return info.st_size if stat.S_ISREG(info.st_mode) else None

    def read_blocks(self, lba: int, nbytes: int) -> bytes:
        """`nbytes` from logical block `lba` (2048-byte blocks)."""
        return self.pread(lba * SECTOR, nbytes)

    # io.RawIOBase protocol, for readers that want a file object (pycdlib.open_fp).
    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def writable(self) -> bool:
        return False

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        data = self.pread(self._pos, len(buffer))
        buffer[: len(data)] = data
        self._pos += len(data)
        return len(data)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if whence == os.SEEK_SET:
            self._pos = offset
        elif whence == os.SEEK_CUR:
            self._pos += offset
        elif whence == os.SEEK_END:
            end = self._size if self._size is not None else os.lseek(self._fd, 0, os.SEEK_END)
            self._pos = end + offset
        else:
            raise ValueError(f"bad whence {whence}")
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        if not self.closed:
            os.close(self._fd)
        super().close()


class ExtentReader(io.RawIOBase):
    """Raw reader of a file's bytes across its extents."""

    def __init__(self, source: SessionFile, extents: list[tuple[int, int]]) -> None:
        super().__init__()
        self._source = source
        self._extents = [(start * SECTOR, length) for start, length in extents]
        self._size = sum(length for _, length in extents)
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        want = min(len(buffer), self._size - self._pos)
        if want <= 0:
            return 0
        skip = self._pos
        for offset, length in self._extents:
            if skip >= length:
                skip -= length
                continue
            n = min(want, length - skip)
            data = self._source.pread(offset + skip, n)
            buffer[: len(data)] = data
            self._pos += len(data)
            if len(data) < n:
                raise OSError(errno.EIO, f"short read at byte {offset + skip + len(data)}")
            return len(data)
        return 0

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._pos, os.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos
