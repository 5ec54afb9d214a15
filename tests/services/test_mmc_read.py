"""Reading a drive with READ(10) over SG_IO (app/iso/mmc_read.py), and the verify using it.

The real path (a kernel that still sees the blank's size after the write) is proven in the
MMC lab (`tests/test_lab.py::test_lab_write_verifies_on_the_drive`). Here a fake SG_IO
ioctl stands in for the drive — a fault injector, as no drive exists outside the lab: it
answers READ(10) from a bytes "medium", with CHECK CONDITION for bad and absent blocks.
"""

from __future__ import annotations

import ctypes
import errno
import os
import random
import struct
from functools import partial
from pathlib import Path

import pytest

from app.iso import compare
from app.iso.compare import ImageComparison
from app.iso.mmc_read import (
    SG_IO,
    MmcReader,
    Sense,
    _SgIoHdr,
    is_mmc_device,
    parse_sense,
    read10_cdb,
    read_capacity_cdb,
)  # fmt: skip
from app.iso.records import SECTOR


class FakeDrive:
    """An SG_IO ioctl over `medium`: blocks in `bad` give a MEDIUM ERROR, blocks past the
    end ILLEGAL REQUEST / LBA out of range, as MMC drives answer (sense in fixed format)."""

    def __init__(self, medium: bytes, bad: set[int] = frozenset()) -> None:
        self.medium, self.bad = medium, bad
        self.commands: list[tuple[int, int]] = []

    @property
    def blocks(self) -> int:
        return len(self.medium) // SECTOR

    def __call__(self, fd: int, request: int, hdr: _SgIoHdr) -> int:
        assert request == SG_IO and hdr.interface_id == ord("S") and hdr.cmd_len == 10
        cdb = ctypes.string_at(hdr.cmdp, hdr.cmd_len)
        if cdb[0] == 0x25:  # READ CAPACITY(10): the last recorded block, the block length
            self.commands.append((-1, 0))
            answer = struct.pack(">II", self.blocks - 1, SECTOR)
            ctypes.memmove(hdr.dxferp, answer, len(answer))
            return 0
        opcode, _flags, lba, _group, count, _control = struct.unpack(">BBIBHB", cdb)
        assert opcode == 0x28 and hdr.dxfer_len == count * SECTOR
        self.commands.append((lba, count))
        blocks = range(lba, lba + count)
        if any(b >= self.blocks for b in blocks):
            return self._check(hdr, 0x05, 0x21)
        if any(b in self.bad for b in blocks):
            return self._check(hdr, 0x03, 0x11)
        data = self.medium[lba * SECTOR : (lba + count) * SECTOR]
        ctypes.memmove(hdr.dxferp, data, len(data))
        return 0

    @staticmethod
    def _check(hdr: _SgIoHdr, key: int, asc: int) -> int:
        sense = bytes([0x70, 0, key]) + bytes(9) + bytes([asc, 0]) + bytes(4)
        ctypes.memmove(hdr.sbp, sense, len(sense))
        hdr.status, hdr.sb_len_wr, hdr.driver_status = 0x02, len(sense), 0x08
        return 0


def test_read10_and_sense_decoding() -> None:
    assert read10_cdb(0x01020304, 32) == bytes.fromhex("28 00 01020304 00 0020 00")
    fixed = bytes([0x70, 0, 0x05]) + bytes(9) + bytes([0x21, 0x00])
    assert parse_sense(fixed) == Sense(5, 0x21, 0)
    assert parse_sense(bytes([0x72, 0x03, 0x11, 0x05])) == Sense(3, 0x11, 5)
    assert str(Sense(5, 0x20, 0)) == "[5 20 00]"
    assert parse_sense(b"") is None and parse_sense(b"\x70\x00") is None


def test_reads_in_64k_commands_and_ends_short_at_the_medium_end() -> None:
    medium = random.Random(1).randbytes(100 * SECTOR)
    drive = FakeDrive(medium)
    reader = MmcReader(-1, ioctl=drive)
    assert reader.pread(70 * SECTOR, 0) == medium[: 70 * SECTOR]
    assert drive.commands == [(0, 32), (32, 32), (64, 6)]
    assert reader.pread(3000, 2 * SECTOR) == medium[2 * SECTOR : 2 * SECTOR + 3000]
    drive.commands.clear()
    tail = reader.pread(40 * SECTOR, 90 * SECTOR)  # the medium ends after 10 of them
    assert tail == medium[90 * SECTOR :]
    assert drive.commands[0] == (90, 32) and drive.commands[-1] == (100, 1)
    assert reader.pread(SECTOR, 100 * SECTOR) == b""
    with pytest.raises(ValueError):
        reader.pread(SECTOR, 100)


def test_an_unreadable_block_is_an_io_error() -> None:
    drive = FakeDrive(bytes(64 * SECTOR), bad={40})
    reader = MmcReader(-1, ioctl=drive)
    assert reader.pread(8 * SECTOR, 0) == bytes(8 * SECTOR)
    with pytest.raises(OSError) as caught:
        reader.pread(SECTOR, 40 * SECTOR)
    assert caught.value.errno == errno.EIO
    assert "READ(10) of block 40 failed: sense [3 11 00]" in str(caught.value)


def test_only_scsi_cd_drives_and_sg_nodes_are_read_by_sg_io(tmp_path: Path) -> None:
    assert not is_mmc_device(str(tmp_path))
    assert not is_mmc_device("/dev/null")  # a character device of another major
    assert not is_mmc_device(str(tmp_path / "missing"))
    for path in ("/dev/sr0", "/dev/sg0"):
        if os.path.exists(path):
            assert is_mmc_device(path)


def test_the_verify_reads_a_drive_by_sg_io_not_by_the_kernels_stale_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The block device holds 1 block (the kernel's size of the blank, as in the lab), the
    drive the whole track: the verify compares what the drive reads."""
    image = random.Random(2).randbytes(1024 * SECTOR)
    track = image + bytes(160 * SECTOR)  # padsize=300k, then whole 32 KiB
    stale = tmp_path / "sr0"
    stale.write_bytes(track[:SECTOR])
    (tmp_path / "image.iso").write_bytes(image)
    drive = FakeDrive(track, bad={700})
    monkeypatch.setattr(compare, "is_mmc_device", lambda path: path == str(stale))
    monkeypatch.setattr(compare, "MmcReader", partial(MmcReader, ioctl=drive))
    comparison = ImageComparison(str(tmp_path / "image.iso"), str(stale))
    list(comparison)
    result = comparison.result
    assert result is not None and result.blocks == 1024
    assert (result.differing, result.unreadable, result.missing) == (1, 1, 0)
    assert result.first_difference == 700
    drive.bad = set()
    list(comparison)
    assert comparison.result is not None and comparison.result.matches


def test_read_capacity_and_reads_at_any_offset() -> None:
    medium = random.Random(3).randbytes(50 * SECTOR)
    drive = FakeDrive(medium)
    reader = MmcReader(-1, ioctl=drive)
    assert read_capacity_cdb() == bytes.fromhex("25" + "00" * 9)
    assert reader.capacity() == 50 * SECTOR
    assert reader.pread_any(5000, 3 * SECTOR + 17) == medium[3 * SECTOR + 17 : 3 * SECTOR + 5017]
    assert reader.pread_any(100, 50 * SECTOR - 10) == medium[-10:]


def test_the_browser_reads_a_freshly_burned_drive_past_the_kernels_stale_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The kernel's /dev/sr0 still ends after the blank's 1 block; the drive holds a whole
    ISO session (written by xorriso). The browser lists and reads it through the drive, and
    knows the medium's size from READ CAPACITY (damage past it can be named)."""
    from app.iso import file as iso_file
    from app.iso.view import IsoFormatError, open_session
    from tests.conftest import make_image

    image = make_image(
        tmp_path / "burned.iso", [("FRESH", {"a.txt": b"burned\n", "big.bin": 300_000})]
    )
    track = image.read_bytes()
    stale = tmp_path / "sr0"
    stale.write_bytes(track[:SECTOR])
    drive = FakeDrive(track)
    monkeypatch.setattr(iso_file, "is_mmc_device", lambda path: path == str(stale))
    monkeypatch.setattr(iso_file, "MmcReader", partial(MmcReader, ioctl=drive))
    with open_session(str(stale)) as view:
        assert view.volume_id == "FRESH"
        assert sorted(e.name for e in view.list("/d1")) == ["a.txt", "big.bin"]
        assert view.open_file("/d1/a.txt").read() == b"burned\n"
        assert len(view.open_file("/d1/big.bin").read()) == 300_000
        assert view.file.known_size() == len(track)
    plain = tmp_path / "sr0-through-the-kernel"
    plain.write_bytes(track[:SECTOR])  # the same stale node, read without SG_IO
    with pytest.raises(IsoFormatError):
        open_session(str(plain))
