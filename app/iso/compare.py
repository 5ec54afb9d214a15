"""Compare a medium with the image written to it: exactly the image's length, block by block.

A write pads the track (and an overwriteable medium keeps older bytes past the new image),
so only the image's own length is compared. Equal chunks cost one memcmp; a chunk that
differs is compared sector by sector, so the first differing sector and the count of
differing blocks are exact. A block the medium cannot read counts as differing. A drive
(/dev/srN) is read with SCSI commands (mmc_read.py): the kernel's idea of its size is the
blank's until the medium is reloaded.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from app.iso.file import device_path
from app.iso.mmc_read import MmcReader, is_mmc_device
from app.iso.records import SECTOR

CHUNK = 4 << 20
"""Bytes compared per read: large enough for sequential reads at full speed."""


@dataclass
class CompareStep:
    bytes_done: int
    bytes_total: int


@dataclass
class CompareResult:
    blocks: int
    """The image's length in blocks: what was compared."""
    differing: int = 0
    first_difference: int | None = None
    """The first block (2048-byte sector) that differs or cannot be read."""
    unreadable: int = 0
    missing: int = 0
    """Blocks past the medium's end (it is shorter than the image)."""
    image_changed: bool = False
    """The image file changed (size or time) while it was written or compared."""
    cancelled: bool = False

    @property
    def matches(self) -> bool:
        return not (self.differing or self.missing or self.image_changed or self.cancelled)


class ImageComparison:
    """Iterate in a worker thread for CompareStep; `result` is set at the end."""

    def __init__(self, image: str, medium: str, *, image_stamp: tuple[int, int] | None = None):
        self.image = image
        self.medium = device_path(medium)
        self.image_stamp = image_stamp
        """(size, mtime_ns) when the write started: a change since then fails the verify."""
        self.result: CompareResult | None = None
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    def __iter__(self) -> Iterator[CompareStep]:
        info = os.stat(self.image)
        size = info.st_size
        result = CompareResult(blocks=-(-size // SECTOR))
        stamp = self.image_stamp or (info.st_size, info.st_mtime_ns)
        result.image_changed = stamp != (info.st_size, info.st_mtime_ns)
        with open(self.image, "rb") as image, _reader(self.medium) as medium:
            done = 0
            while done < size and not self._cancel.is_set():
                want = min(CHUNK, size - done)
                expected = image.read(want)
                got = _read_at(medium, done, want)
                if got != expected:
                    _count_differences(expected, got, done // SECTOR, medium, result)
                done += len(expected)
                yield CompareStep(done, size)
        result.cancelled = self._cancel.is_set()
        after = os.stat(self.image)
        result.image_changed |= stamp != (after.st_size, after.st_mtime_ns)
        self.result = result


Reader = Callable[[int, int], bytes]
"""pread(size, offset) of the medium: short at its end, OSError for unreadable blocks."""


@contextlib.contextmanager
def _reader(path: str) -> Iterator[Reader]:
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        if is_mmc_device(path):
            yield MmcReader(fd).pread
        else:
            yield lambda size, offset: os.pread(fd, size, offset)
    finally:
        os.close(fd)


def _read_at(medium: Reader, offset: int, size: int) -> bytes | None:
    """`size` bytes at `offset`; None when the chunk cannot be read whole (read by sector)."""
    try:
        return medium(size, offset)
    except OSError:
        return None


def _count_differences(
    expected: bytes, got: bytes | None, first_block: int, medium: Reader, result: CompareResult
) -> None:
    """Count the sectors of one chunk that differ; an unreadable chunk is re-read by sector."""
    for index in range(-(-len(expected) // SECTOR)):
        want = expected[index * SECTOR : (index + 1) * SECTOR]
        if got is not None:
            have: bytes | None = got[index * SECTOR : (index + 1) * SECTOR]
        else:
            have = _read_at(medium, (first_block + index) * SECTOR, len(want))
            result.unreadable += have is None
        if have is not None and len(have) < len(want):
            result.missing += 1
        elif have is None or have != want:
            result.differing += 1
        else:
            continue
        if result.first_difference is None:
            result.first_difference = first_block + index
