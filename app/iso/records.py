"""Pure struct parsing of ISO 9660 pieces: volume descriptors and directory records.

No I/O here except through a `read(lba, nbytes) -> bytes` callable (needed for Rock Ridge
CE continuation areas, parsed in `app.iso.susp`). Used by `app.iso.view` (lazy browsing)
and `app.iso.eltorito`. Damage is never skipped in silence: a malformed record is one line
in the `problems` list the caller passes.

References: ECMA-119 (ISO 9660), IEEE P1281 (SUSP) and P1282 (Rock Ridge 1.09/1.12),
Joliet (UCS-2 big endian names in a supplementary descriptor).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from datetime import datetime

from app.iso.dates import decode_date7, decode_date17
from app.iso.susp import Reader, RockRidge, parse_susp

__all__ = ["Reader", "RockRidge", "decode_date7", "decode_date17"]

SECTOR = 2048
VD_START = 16
"""Volume descriptors start at sector 16 of a session."""
SYSTEM_AREA = 32
"""Sectors 0-31: system area (0-15) plus descriptors (16..) that a session's head covers."""
DESCRIPTOR_LIMIT = 64
"""Descriptor sectors read at most while looking for the set terminator."""

VD_BOOT, VD_PRIMARY, VD_SUPPLEMENTARY, VD_TERMINATOR = 0, 1, 2, 255
JOLIET_ESCAPES = (b"%/@", b"%/C", b"%/E")

FLAG_HIDDEN, FLAG_DIR, FLAG_MULTI_EXTENT = 0x01, 0x02, 0x80
RECORD_MIN = 34
"""A directory record's fixed part (33 bytes) plus at least one identifier byte."""


def decode_text(raw: bytes) -> str:
    """A descriptor's text field for people: UTF-8 when it is, else Latin-1 (never fails)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


@dataclass
class VolumeDescriptor:
    type: int
    data: bytes
    """The whole 2048-byte sector."""
    lba: int

    @property
    def is_joliet(self) -> bool:
        return self.type == VD_SUPPLEMENTARY and self.data[88:91] in JOLIET_ESCAPES

    def volume_id(self) -> str:
        raw = self.data[40:72]
        if self.is_joliet:
            return raw.decode("utf-16-be", "replace").rstrip(" \0")
        return decode_text(raw).rstrip(" \0")

    def volume_blocks(self) -> int:
        return struct.unpack_from("<I", self.data, 80)[0]

    def block_size(self) -> int:
        return struct.unpack_from("<H", self.data, 128)[0] or SECTOR

    def root_record(self) -> bytes:
        return self.data[156:190]


def parse_descriptor(data: bytes, lba: int) -> VolumeDescriptor | None:
    """One volume descriptor sector, or None if it does not carry the CD001 signature."""
    if len(data) < SECTOR or data[1:6] != b"CD001":
        return None
    return VolumeDescriptor(type=data[0], data=data, lba=lba)


def read_descriptor_set(
    read: Reader, limit: int = DESCRIPTOR_LIMIT
) -> tuple[list[VolumeDescriptor], str | None]:
    """The descriptor set at sectors 16.. and, when it does not end with a terminator,
    what ended it instead (one line): a set without one is damaged or cut off."""
    found: list[VolumeDescriptor] = []
    for n in range(limit):
        lba = VD_START + n
        data = read(lba, SECTOR)
        vd = parse_descriptor(data, lba)
        if vd is not None and vd.type == VD_TERMINATOR:
            return found, None
        if vd is None:
            if not found:
                return found, None  # no ISO 9660 here at all: the caller says so
            ended = "the image ends" if len(data) < SECTOR else f"sector {lba} is no descriptor"
            return found, f"the volume descriptor set has no terminator ({ended} there)"
        found.append(vd)
    return found, f"the volume descriptor set has no terminator in {limit} sectors"


def read_descriptors(read: Reader, limit: int = DESCRIPTOR_LIMIT) -> list[VolumeDescriptor]:
    """The descriptor set at sectors 16.. up to the terminator (empty if none)."""
    return read_descriptor_set(read, limit)[0]


@dataclass
class Record:
    """One directory record, with its Rock Ridge facts when present."""

    extent: int
    size: int
    flags: int
    ident: bytes
    raw_date: bytes
    rr: RockRidge = field(default_factory=RockRidge)
    offset: int = 0
    """Byte offset of the record in its folder's extent (to name it when it is damaged)."""

    @property
    def date(self) -> datetime | None:
        """The record's own date (decoded on demand: Rock Ridge TF usually wins)."""
        return decode_date7(self.raw_date)

    @property
    def is_dir(self) -> bool:
        return bool(self.flags & FLAG_DIR)

    @property
    def is_dot(self) -> bool:
        return self.ident in (b"\0", b"\1")


def record_fault(data: bytes, pos: int) -> str | None:
    """Why the record at data[pos:] (length byte not 0) is malformed, or None."""
    length = data[pos]
    if length < RECORD_MIN:
        return f"a record at byte {pos} says it is {length} bytes long (at least {RECORD_MIN})"
    sector_end = (pos // SECTOR + 1) * SECTOR
    if pos + length > min(sector_end, len(data)):
        return f"a record at byte {pos} runs past the end of its sector"
    if 33 + data[pos + 32] > length:
        return f"a record at byte {pos} has a name longer than the record"
    return None


def parse_record(
    data: bytes, pos: int, *, skip: int = 0, read: Reader | None = None, with_susp: bool = True
) -> Record | None:
    """The directory record at data[pos:], or None when it is absent or malformed."""
    if pos >= len(data) or data[pos] == 0 or record_fault(data, pos) is not None:
        return None
    length = data[pos]
    extent, size = struct.unpack_from("<I4xI", data, pos + 2)
    flags, name_len = data[pos + 25], data[pos + 32]
    ident = data[pos + 33 : pos + 33 + name_len]
    record = Record(extent, size, flags, ident, data[pos + 18 : pos + 25], offset=pos)
    if with_susp:
        su_start = pos + 33 + name_len + (0 if name_len % 2 else 1) + skip
        if su_start + 4 <= pos + length:
            record.rr = parse_susp(data[su_start : pos + length], read)
    return record


def system_use(data: bytes, pos: int = 0) -> bytes:
    """The whole system use area of the record at data[pos:] (b"" when it has none)."""
    if pos >= len(data) or record_fault(data, pos) is not None:
        return b""
    name_len = data[pos + 32]
    return data[pos + 33 + name_len + (0 if name_len % 2 else 1) : pos + data[pos]]


def iter_records(
    data: bytes,
    *,
    skip: int = 0,
    read: Reader | None = None,
    with_susp: bool = True,
    problems: list[str] | None = None,
) -> list[Record]:
    """Every record of a directory extent; records never cross a sector boundary.

    A malformed record ends its sector (the next sector starts afresh) and is one line in
    `problems`; zero padding at the end of a sector is normal and says nothing.
    """
    records: list[Record] = []
    pos, end = 0, len(data)
    while pos < end:
        if data[pos] == 0:
            pos = (pos // SECTOR + 1) * SECTOR
            continue
        fault = record_fault(data, pos)
        if fault is not None:
            if problems is not None:
                problems.append(fault)
            pos = (pos // SECTOR + 1) * SECTOR
            continue
        record = parse_record(data, pos, skip=skip, read=read, with_susp=with_susp)
        assert record is not None  # record_fault said it is well formed
        records.append(record)
        pos += data[pos]
    return records


def iso_name(ident: bytes, joliet: bool) -> str:
    """Display form of an ISO 9660 / Joliet identifier: no ";1" version, no lone trailing dot.

    Plain ISO 9660 bytes outside ASCII are read as UTF-8, as Rock Ridge names are, with
    undecodable bytes kept as surrogate escapes: `os.fsencode(name)` gives the bytes back,
    so extraction writes the name the medium holds, not a double-encoded one.
    """
    if joliet:
        try:
            text = ident.decode("utf-16-be", "surrogatepass").encode("utf-8", "surrogatepass")
            name = text.decode("utf-8", "replace")
        except UnicodeDecodeError:  # an odd number of bytes: not UCS-2 at all
            name = ident.decode("utf-16-be", "replace")
    else:
        name = ident.decode("utf-8", "surrogateescape")
    if ";" in name:
        name = name.rsplit(";", 1)[0]
    if name.endswith(".") and name not in (".", ".."):
        name = name[:-1]
    return name
