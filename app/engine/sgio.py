"""SCSI commands sent straight to a drive over SG_IO (the sg_io_hdr of <scsi/sg.h>), for
what xorriso does not say: whether a medium is present at all (TEST UNIT READY).

The MMC lab's jukebox drive taught why: after a changer unloaded it, the drive answered
TEST UNIT READY with NOT READY, MEDIUM NOT PRESENT [2 3A 00], yet `xorriso -toc` read the
medium that had gone ("DVD-ROM, is written, is closed", 0 blocks), and after xorriso's
look TEST UNIT READY said ready (probably libburn's START STOP UNIT, which loads a tray).
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

SG_IO = 0x2285
SG_DXFER_NONE = -1
CHECK_CONDITION = 0x02
NOT_READY, ILLEGAL_REQUEST, UNIT_ATTENTION = 0x02, 0x05, 0x06
MEDIUM_NOT_PRESENT = 0x3A
MEDIUM_CHANGED = 0x28
LOGICAL_UNIT_NOT_SUPPORTED = 0x25
"""ILLEGAL REQUEST [5 25 00]: the target no longer has this unit (the MMC lab's recorder
after its LUN was deleted mid-burn: libburn's writes failed with it)."""
TUR_TIMEOUT_MS = 10_000


class SgIoHdr(ctypes.Structure):
    """struct sg_io_hdr of <scsi/sg.h>."""

    _fields_ = [
        ("interface_id", ctypes.c_int), ("dxfer_direction", ctypes.c_int),
        ("cmd_len", ctypes.c_ubyte), ("mx_sb_len", ctypes.c_ubyte),
        ("iovec_count", ctypes.c_ushort), ("dxfer_len", ctypes.c_uint),
        ("dxferp", ctypes.c_void_p), ("cmdp", ctypes.c_void_p), ("sbp", ctypes.c_void_p),
        ("timeout", ctypes.c_uint), ("flags", ctypes.c_uint), ("pack_id", ctypes.c_int),
        ("usr_ptr", ctypes.c_void_p), ("status", ctypes.c_ubyte),
        ("masked_status", ctypes.c_ubyte), ("msg_status", ctypes.c_ubyte),
        ("sb_len_wr", ctypes.c_ubyte), ("host_status", ctypes.c_ushort),
        ("driver_status", ctypes.c_ushort), ("resid", ctypes.c_int),
        ("duration", ctypes.c_uint), ("info", ctypes.c_uint),
    ]  # fmt: skip


@dataclass(frozen=True)
class Sense:
    key: int
    asc: int
    ascq: int

    def __str__(self) -> str:
        return f"[{self.key:X} {self.asc:02X} {self.ascq:02X}]"


def parse_sense(data: bytes) -> Sense | None:
    """Key, ASC, ASCQ of fixed (70h/71h) or descriptor (72h/73h) sense data."""
    if not data:
        return None
    code = data[0] & 0x7F
    if code in (0x70, 0x71) and len(data) >= 14:
        return Sense(data[2] & 0x0F, data[12], data[13])
    if code in (0x72, 0x73) and len(data) >= 4:
        return Sense(data[1] & 0x0F, data[2], data[3])
    return None


Readiness = Literal["ready", "no medium", "changed", "not ready", "gone"]
Ioctl = Callable[[int, int, SgIoHdr], object]


def _sg_ioctl(fd: int, request: int, hdr: SgIoHdr) -> object:
    return fcntl.ioctl(fd, request, hdr, True)


def readiness_of(status: int, sense: Sense | None) -> Readiness:
    """TEST UNIT READY's answer in words: a medium in and ready, none, just changed, busy,
    or the unit gone from its target."""
    if status != CHECK_CONDITION:
        return "ready" if status == 0 else "not ready"
    if sense is None:
        return "not ready"
    if sense.key == NOT_READY and sense.asc == MEDIUM_NOT_PRESENT:
        return "no medium"
    if sense.key == UNIT_ATTENTION and sense.asc == MEDIUM_CHANGED:
        return "changed"
    if sense.key == ILLEGAL_REQUEST and sense.asc == LOGICAL_UNIT_NOT_SUPPORTED:
        return "gone"
    return "not ready"


def test_unit_ready(path: str, ioctl: Ioctl = _sg_ioctl) -> Readiness:
    """Ask the drive at `path` (/dev/srN or /dev/sgN) whether a medium is in and ready;
    "gone" when the device cannot be opened (removed)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        # No such node or device: gone. Busy (another program holds it) or not allowed
        # says nothing about the drive being there.
        return "gone" if exc.errno in (errno.ENOENT, errno.ENXIO, errno.ENODEV) else "not ready"
    try:
        cdb = ctypes.create_string_buffer(bytes(6), 6)
        sense = ctypes.create_string_buffer(32)
        hdr = SgIoHdr(
            interface_id=ord("S"), dxfer_direction=SG_DXFER_NONE, cmd_len=6,
            mx_sb_len=len(sense), cmdp=ctypes.addressof(cdb), sbp=ctypes.addressof(sense),
            timeout=TUR_TIMEOUT_MS,
        )  # fmt: skip
        try:
            ioctl(fd, SG_IO, hdr)
        except OSError:
            return "gone"
        if hdr.host_status or hdr.driver_status & 0x0F:
            return "gone" if hdr.host_status else "not ready"
        return readiness_of(hdr.status, parse_sense(sense.raw[: hdr.sb_len_wr]))
    finally:
        os.close(fd)
