"""Name a UDF file system from its anchor and volume descriptors (ECMA-167 / OSTA UDF).

pycdlib needs an ISO 9660 descriptor to open anything, so a UDF-only medium (mkudffs,
packet-written discs, many Blu-ray and Windows-burned discs) would show as "no ISO 9660".
Reading the anchor at sector 256 and the main volume descriptor sequence it points to is a
few sectors, no dependency: enough for the label, the UDF revision and the size.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from app.engine.address import parse_address
from app.engine.models import MediumReport

ANCHOR_SECTOR = 256
BLOCK_SIZES = (2048, 512, 4096)
"""Optical media use 2048; hard-disk images may use 512 or 4096 (udfinfo tries the same)."""
SEQUENCE_MAX = 64
"""Descriptors read from a volume descriptor sequence at most (ECMA-167 sets none; 16 usual)."""
TAG_PVD, TAG_ANCHOR, TAG_PARTITION, TAG_LVD, TAG_TERMINATOR = 1, 2, 5, 6, 8


class UdfError(ValueError):
    """The anchor or descriptors are damaged: the one-line reason names what."""


@dataclass(frozen=True)
class UdfFacts:
    label: str
    """The logical volume identifier (what mkudffs --label sets, what mount shows)."""
    revision: str
    """The UDF revision from the domain identifier, "2.01"; "" when unrecorded."""
    block_size: int
    partition_blocks: int
    volume_id: str = ""

    @property
    def size(self) -> int:
        return self.partition_blocks * self.block_size

    def words(self) -> str:
        """One line for the medium panel, `info` and `ls`."""
        revision = f"UDF {self.revision}" if self.revision else "UDF"
        size = f"{self.size / 2**20:,.1f} MiB" if self.size >= 2**20 else f"{self.size // 1024} KiB"
        return f"{revision}, label {self.label or '(none)'}, {size} partition"


def _tag_ok(tag: bytes, ident: int, location: int | None) -> bool:
    """A descriptor tag with this identifier, a right checksum and (when known) location."""
    if len(tag) < 16 or int.from_bytes(tag[0:2], "little") != ident:
        return False
    if tag[4] != (sum(tag[0:4]) + sum(tag[5:16])) & 0xFF:
        return False
    return location is None or int.from_bytes(tag[12:16], "little") == location


def dstring(field: bytes) -> str:
    """An OSTA compressed dstring: compression id 8 (8-bit) or 16 (UTF-16BE); the last byte
    is the used length. Anything else reads as empty (never an exception)."""
    if not field or field[0] not in (8, 16):
        return ""
    used = field[-1]
    if used < 1 or used > len(field) - 1:
        used = len(field) - 1
    body = field[1:used]
    if field[0] == 8:
        return body.decode("latin-1").rstrip("\x00")
    return body[: len(body) // 2 * 2].decode("utf-16-be", "replace").rstrip("\x00")


def _anchor(fd: int) -> tuple[int, int, int] | None:
    """(block size, main sequence location, its length in bytes) from an anchor, or None.

    Sector 256 first; where it is damaged, the copies ECMA-167 puts at the last sector and
    256 before it (as udfinfo does), so one bad sector does not hide the file system.
    """
    end = os.lseek(fd, 0, os.SEEK_END)
    for block in BLOCK_SIZES:
        last = end // block - 1
        for sector in (ANCHOR_SECTOR, last, last - ANCHOR_SECTOR):
            if sector <= ANCHOR_SECTOR and sector != ANCHOR_SECTOR:
                continue
            data = os.pread(fd, 32, sector * block)
            if _tag_ok(data, TAG_ANCHOR, sector):
                length = int.from_bytes(data[16:20], "little")
                return block, int.from_bytes(data[20:24], "little"), length
    return None


def read_udf(path: str) -> UdfFacts | None:
    """The UDF facts of an image file or device; None when it has no UDF anchor.

    UdfError when the anchor is there but what it points to is damaged or cut short.
    """
    fd = os.open(path, os.O_RDONLY)
    try:
        anchor = _anchor(fd)
        if anchor is None:
            return None
        return _sequence(fd, *anchor)
    finally:
        os.close(fd)


def _sequence(fd: int, block: int, start: int, length: int) -> UdfFacts:
    """Walk the main volume descriptor sequence for the PVD, partition and LVD."""
    count = min(max(length // block, 1), SEQUENCE_MAX)
    label = volume_id = revision = ""
    partition_blocks = logical = None
    for index in range(count):
        sector = start + index
        data = os.pread(fd, 512, sector * block)
        if len(data) < 512:
            raise UdfError(
                f"UDF volume descriptors at sector {sector} lie past the end of the image "
                "(cut short: copy the medium again)"
            )
        ident = int.from_bytes(data[0:2], "little")
        if not _tag_ok(data, ident, None) or ident == TAG_TERMINATOR or ident == 0:
            break
        if ident == TAG_PVD:
            volume_id = dstring(data[24:56])
        elif ident == TAG_PARTITION:
            partition_blocks = int.from_bytes(data[192:196], "little")
        elif ident == TAG_LVD:
            label = dstring(data[84:212])
            logical = int.from_bytes(data[212:216], "little")
            if data[217:236].rstrip(b"\x00") == b"*OSTA UDF Compliant":
                rev = int.from_bytes(data[240:242], "little")
                revision = f"{rev >> 8:x}.{rev & 0xFF:02x}" if rev else ""
    if logical is None:
        raise UdfError(
            f"the UDF anchor points at sector {start}, which holds no valid logical volume "
            "descriptor (damaged medium: try `udfinfo` or copy what can be read with discdeck read)"
        )
    return UdfFacts(
        label=label or volume_id, revision=revision, block_size=logical or block,
        partition_blocks=partition_blocks or 0, volume_id=volume_id,
    )  # fmt: skip


def udf_words(path: str) -> str | None:
    """ "UDF 2.01, label X, 9.0 MiB partition", the damage in one line, or None (no UDF)."""
    try:
        facts = read_udf(path)
    except UdfError as exc:
        return f"UDF, damaged: {exc}"
    except OSError:
        return None
    return facts.words() if facts else None


VRS_SECTOR = 16
VRS_MAX = 32
"""Volume recognition descriptors looked at, at most (a bridge disc has about six)."""
VRS_IDS = (b"CD001", b"BEA01", b"NSR02", b"NSR03", b"TEA01", b"BOOT2", b"CDW02")


def has_nsr(path: str) -> bool:
    """An NSR02/NSR03 descriptor in the volume recognition sequence at sector 16: the mark
    ECMA-167 gives a UDF volume. Only written sectors are read (the backup anchors at the
    end are not, so a real drive is not asked past the data of an ISO-only disc)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        for index in range(VRS_MAX):
            ident = os.pread(fd, 6, (VRS_SECTOR + index) * 2048)[1:6]
            if ident in (b"NSR02", b"NSR03"):
                return True
            if ident not in VRS_IDS:
                return False
        return False
    except OSError:
        return False
    finally:
        os.close(fd)


NO_ISO = "holds no ISO 9660 file system"
BRIDGE = "ISO 9660 and "
"""How a bridge disc's UDF is named: both trees are there, the UDF facts follow."""


def name_filesystem(report: MediumReport) -> MediumReport:
    """Name a UDF file system beside what xorriso read. On a medium xorriso reads as
    "no ISO 9660", UDF facts replace that problem (a UDF disc is not a broken one); on a
    bridge disc (ISO 9660 sessions and UDF, genisoimage -udf) they are added, so the user
    learns the UDF tree is there too. Returns `report`, changed."""
    media = report.toc.media
    if media.status in ("blank", "absent") or not report.toc.drive.address:
        return report
    address = parse_address(report.toc.drive.address)
    if address.remote is not None:
        return report  # the anchor is read from the file, which is on that machine
    path = address.path
    no_iso = any(NO_ISO in p for p in report.problems)
    words = udf_words(path) if no_iso or has_nsr(path) else None
    if words is None:
        return report
    if no_iso:
        report.filesystem = words
        report.problems = [p for p in report.problems if NO_ISO not in p]
    elif any(s.kind == "ISO" for s in report.toc.sessions):
        report.filesystem = BRIDGE + words
    else:
        report.filesystem = words
    return report
