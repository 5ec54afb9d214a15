"""What an image file holds, read from a few of its sectors without xorriso.

xorriso takes any file as a `stdio:` medium: a text file reads as a closed disc with one
"Other" session, and blanking it overwrites its first 64 KiB with zeros. So before any
write discdeck asks here whether a non-empty file is a disc image, and refuses the rest.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from app.config import recorders_dir

_SECTOR = 2048
_VRS_START = 16 * _SECTOR
"""ISO 9660 and UDF (ECMA-167) both begin their volume recognition sequence here."""
_VRS_IDS = {b"CD001", b"CDXX1", b"BEA01", b"NSR02", b"NSR03", b"TEA01", b"BOOT2", b"CDW02"}
"""Standard identifiers, plus CDXX1: what xorriso leaves of CD001 when it blanks an image."""
_FIRST_SESSION = 32
"""xorriso starts the first session of a stdio: medium here; the head (sectors 0-31) gets
a copy of the newest volume descriptors only when a session is complete."""
_ZERO_SCAN_LIMIT = 256 * 2**20
"""Read at most this much (holes are skipped) to tell an all-zero file from one with data."""


def _pread(fd: int, length: int, offset: int) -> bytes:
    try:
        return os.pread(fd, length, offset)
    except OSError:
        return b""


def _has_vrs(fd: int, base: int) -> bool:
    """A volume recognition sequence at `base` (descriptors every 2048 bytes)."""
    for index in range(8):
        head = _pread(fd, 6, base + index * _SECTOR)
        if len(head) == 6 and head[1:6] in _VRS_IDS:
            return True
    return False


def _has_udf_anchor(fd: int) -> bool:
    """A UDF anchor volume descriptor pointer at sector 256, for 512/2048/4096-byte blocks."""
    for block in (2048, 512, 4096):
        tag = _pread(fd, 16, 256 * block)
        if len(tag) < 16 or int.from_bytes(tag[0:2], "little") != 2:
            continue
        checksum = (sum(tag[0:4]) + sum(tag[5:16])) & 0xFF
        if tag[4] == checksum and int.from_bytes(tag[12:16], "little") == 256:
            return True
    return False


def _only_zeros(fd: int, size: int) -> bool:
    """True when every byte is zero (holes are skipped, at most _ZERO_SCAN_LIMIT read)."""
    offset = read = 0
    while offset < size:
        try:
            offset = os.lseek(fd, offset, os.SEEK_DATA)
            end = os.lseek(fd, offset, os.SEEK_HOLE)
        except OSError as exc:
            if exc.errno == errno.ENXIO:  # no data past offset
                return True
            end = size
        while offset < end:
            chunk = _pread(fd, min(1 << 20, end - offset), offset)
            if not chunk or chunk.count(0) != len(chunk):
                return False
            offset += len(chunk)
            read += len(chunk)
            if read > _ZERO_SCAN_LIMIT:
                return False
    return True


def is_recorder_image(path: str) -> bool:
    """A discdeck virtual recorder: NAME.iso in the recorders folder with NAME.json beside it."""
    image = Path(os.path.realpath(path))
    folder = Path(os.path.realpath(recorders_dir()))
    return (
        image.parent == folder and image.suffix == ".iso" and image.with_suffix(".json").is_file()
    )


def disc_image_kind(path: str) -> str | None:
    """What makes `path` a medium discdeck may write to, in words; None for any other file.

    Empty and all-zero files are blank media; an interrupted first session of xorriso's
    has its descriptors at sector 48 and a zero head. Raises OSError if it cannot be read.
    """
    if is_recorder_image(path):
        return "a virtual recorder"
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        size = os.fstat(fd).st_size
        if size == 0:
            return "empty"
        if _has_vrs(fd, _VRS_START):
            return "an ISO 9660 or UDF image"
        if _has_udf_anchor(fd):
            return "a UDF image"
        if _has_vrs(fd, (_FIRST_SESSION + 16) * _SECTOR) and _only_zeros_head(fd):
            return "an interrupted first session"
        if _only_zeros(fd, size):
            return "all zeros"
        return None
    finally:
        os.close(fd)


def _only_zeros_head(fd: int) -> bool:
    head = _pread(fd, _FIRST_SESSION * _SECTOR, 0)
    return head.count(0) == len(head)
