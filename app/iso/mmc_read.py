"""Reading sectors of an optical drive with SCSI READ(10) over SG_IO, as libburn does.

Linux's sr driver learns a medium's size when it notices a new medium, and a write is not
a new medium: after writing 1184 blocks to a blank DVD+R the MMC lab's /dev/sr0 still
ended after 1 block (blockdev said 2048 bytes), so reading it through the kernel ended
early and a good write looked short. growisofs reloads the tray for that reason; xorriso
reads through SCSI commands. The verify does the same: it asks the drive itself.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import stat
import struct
from collections.abc import Callable

from app.engine.sgio import Sense, SgIoHdr, parse_sense
from app.iso.records import SECTOR

_SgIoHdr = SgIoHdr  # the struct and the sense parser live in app/engine/sgio.py now
__all__ = ["MmcReader", "Sense", "is_mmc_device", "parse_sense", "read10_cdb"]

SG_IO = 0x2285
SG_DXFER_FROM_DEV = -3
READ_10 = 0x28
READ_CAPACITY_10 = 0x25
SECTORS_PER_COMMAND = 32
"""64 KiB per command: two DVD ECC blocks, within any kernel's transfer limit."""
TIMEOUT_MS = 120_000
CHECK_CONDITION = 0x02
MEDIUM_ERROR, ILLEGAL_REQUEST = 0x03, 0x05
LBA_OUT_OF_RANGE = 0x21
"""ASC of ILLEGAL REQUEST for a block past the end of the medium."""
SCSI_CDROM_MAJOR, SCSI_GENERIC_MAJOR = 11, 21


def read10_cdb(lba: int, count: int) -> bytes:
    """READ(10): opcode, flags, LBA (4 bytes), group, transfer length (2 bytes), control."""
    return struct.pack(">BBIBHB", READ_10, 0, lba, 0, count, 0)


def read_capacity_cdb() -> bytes:
    """READ CAPACITY(10): the last readable block's address and the block length."""
    return struct.pack(">B9x", READ_CAPACITY_10)


def is_mmc_device(path: str) -> bool:
    """A SCSI CD/DVD/BD drive (/dev/srN) or its generic node (/dev/sgN): read it by SG_IO."""
    try:
        info = os.stat(path)
    except OSError:
        return False
    major = os.major(info.st_rdev)
    if stat.S_ISBLK(info.st_mode):
        return major == SCSI_CDROM_MAJOR
    return stat.S_ISCHR(info.st_mode) and major == SCSI_GENERIC_MAJOR


Ioctl = Callable[[int, int, _SgIoHdr], object]


def _sg_ioctl(fd: int, request: int, hdr: _SgIoHdr) -> object:
    return fcntl.ioctl(fd, request, hdr, True)


class _PastTheEnd(Exception):
    """The drive said the first block of the command lies past the end of the medium."""


class MmcReader:
    """`pread(size, offset)` on an open drive, like os.pread: short at the medium's end,
    OSError(EIO) when a block cannot be read. `ioctl` is replaceable for tests."""

    def __init__(self, fd: int, ioctl: Ioctl = _sg_ioctl) -> None:
        self.fd = fd
        self.ioctl = ioctl

    def capacity(self) -> int | None:
        """Bytes of the medium as the drive says now (READ CAPACITY: the last recorded block
        + 1), not the size the kernel learnt when the medium came in; None if it will not
        say (a blank medium, an old drive)."""
        try:
            data = self._command(read_capacity_cdb(), 8, "READ CAPACITY")
        except (OSError, _PastTheEnd):
            return None
        if len(data) < 8:
            return None
        last, _block = struct.unpack(">II", data)
        return (last + 1) * SECTOR if last else None

    def pread_any(self, size: int, offset: int) -> bytes:
        """pread at any byte offset (the sectors around it are read)."""
        start = offset - offset % SECTOR
        return self.pread(size + offset - start, start)[offset - start :]

    def pread(self, size: int, offset: int) -> bytes:
        if offset % SECTOR:
            raise ValueError(f"offset {offset} is not on a {SECTOR}-byte sector")
        first, count = offset // SECTOR, -(-size // SECTOR)
        chunks: list[bytes] = []
        done = 0
        while done < count:
            n = min(SECTORS_PER_COMMAND, count - done)
            data = self._read_blocks(first + done, n)
            chunks.append(data)
            if len(data) < n * SECTOR:
                break
            done += n
        return b"".join(chunks)[:size]

    def _read_blocks(self, lba: int, count: int) -> bytes:
        """`count` blocks, or fewer when the medium ends within them."""
        try:
            return self._read10(lba, count)
        except _PastTheEnd:
            if count == 1:
                return b""
        got = []  # the end lies within: block by block up to it
        for n in range(count):
            try:
                got.append(self._read10(lba + n, 1))
            except _PastTheEnd:
                break
        return b"".join(got)

    def _read10(self, lba: int, count: int) -> bytes:
        return self._command(read10_cdb(lba, count), count * SECTOR, f"READ(10) of block {lba}")

    def _command(self, command: bytes, length: int, what: str) -> bytes:
        data = ctypes.create_string_buffer(length)
        cdb = ctypes.create_string_buffer(command, 10)
        sense = ctypes.create_string_buffer(32)
        hdr = _SgIoHdr(
            interface_id=ord("S"), dxfer_direction=SG_DXFER_FROM_DEV, cmd_len=10,
            mx_sb_len=len(sense), dxfer_len=len(data), dxferp=ctypes.addressof(data),
            cmdp=ctypes.addressof(cdb), sbp=ctypes.addressof(sense), timeout=TIMEOUT_MS,
        )  # fmt: skip
        self.ioctl(self.fd, SG_IO, hdr)
        if hdr.status == CHECK_CONDITION:
            found = parse_sense(sense.raw[: hdr.sb_len_wr])
            if found and found.key == ILLEGAL_REQUEST and found.asc == LBA_OUT_OF_RANGE:
                raise _PastTheEnd
            said = f"sense {found}" if found else "no sense data"
            raise OSError(errno.EIO, f"{what} failed: {said}")
        if hdr.status or hdr.host_status or hdr.driver_status:
            raise OSError(
                errno.EIO,
                f"{what} failed: status {hdr.status:#x}, "
                f"host {hdr.host_status:#x}, driver {hdr.driver_status:#x}",
            )
        return data.raw[: len(data) - max(0, hdr.resid)]
