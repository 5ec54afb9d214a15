"""Pure struct parsing of ISO 9660 pieces: volume descriptors, directory records, SUSP/Rock Ridge.

No I/O here except through a `read(lba, nbytes) -> bytes` callable (needed for Rock Ridge
CE continuation areas). Used by `app.iso.view` (lazy browsing) and `app.iso.eltorito`.

References: ECMA-119 (ISO 9660), IEEE P1281 (SUSP) and P1282 (Rock Ridge 1.09/1.12),
Joliet (UCS-2 big endian names in a supplementary descriptor).
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache

SECTOR = 2048
VD_START = 16
"""Volume descriptors start at sector 16 of a session."""
SYSTEM_AREA = 32
"""Sectors 0-31: system area (0-15) plus descriptors (16..) that a session's head covers."""

VD_BOOT, VD_PRIMARY, VD_SUPPLEMENTARY, VD_TERMINATOR = 0, 1, 2, 255
JOLIET_ESCAPES = (b"%/@", b"%/C", b"%/E")

FLAG_HIDDEN, FLAG_DIR, FLAG_MULTI_EXTENT = 0x01, 0x02, 0x80

Reader = Callable[[int, int], bytes]
"""read(lba, nbytes): bytes starting at logical block `lba` of the session's device."""


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
        return raw.decode("latin-1").rstrip(" \0")

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


def read_descriptors(read: Reader, limit: int = 64) -> list[VolumeDescriptor]:
    """The descriptor set at sectors 16.. up to the terminator (empty if none)."""
    found: list[VolumeDescriptor] = []
    for n in range(limit):
        vd = parse_descriptor(read(VD_START + n, SECTOR), VD_START + n)
        if vd is None or vd.type == VD_TERMINATOR:
            break
        found.append(vd)
    return found


@lru_cache(maxsize=128)
def _zone(offset: int) -> timezone:
    """Time zone of a GMT offset in 15-minute units (UTC when out of range)."""
    return timezone(timedelta(minutes=15 * offset)) if -48 <= offset <= 52 else UTC


_NO_DATE = bytes(6)


def decode_date7(raw: bytes) -> datetime | None:
    """The 7-byte directory record date (years since 1900 ... GMT offset in 15 min)."""
    if len(raw) < 7 or raw[:6] == _NO_DATE:
        return None
    year, month, day, hour, minute, second, offset = raw[:7]
    try:
        zone = _zone(offset - 256 if offset > 127 else offset)
        return datetime(1900 + year, month, day, hour, minute, second, tzinfo=zone)
    except ValueError:
        return None


def decode_date17(raw: bytes) -> datetime | None:
    """The 17-byte descriptor date ("YYYYMMDDhhmmsscc" digits + GMT offset)."""
    if len(raw) < 17 or raw[:4] in (b"0000", b"\0\0\0\0", b"    "):
        return None
    try:
        digits = raw[:16].decode("ascii")
        tz = _zone(struct.unpack("b", raw[16:17])[0])
        return datetime(
            int(digits[0:4]), int(digits[4:6]), int(digits[6:8]),
            int(digits[8:10]), int(digits[10:12]), int(digits[12:14]),
            int(digits[14:16]) * 10_000, tzinfo=tz,
        )  # fmt: skip
    except (ValueError, UnicodeDecodeError):
        return None


@dataclass
class RockRidge:
    """What the SUSP entries of one directory record said (None: entry absent)."""

    name: bytes | None = None
    mode: int | None = None
    nlink: int | None = None
    uid: int | None = None
    gid: int | None = None
    symlink: bytes | None = None
    mtime: datetime | None = None
    child_link: int | None = None
    """CL: a relocated directory lives at this block (deep directory relocation)."""
    relocated: bool = False
    """RE: this record is the relocated directory itself; hide it from its parent."""
    sp_skip: int | None = None
    """SP (only in the root's "." record): bytes to skip in every system use field."""
    has_rr: bool = False


@dataclass
class Record:
    """One directory record, with its Rock Ridge facts when present."""

    extent: int
    size: int
    flags: int
    ident: bytes
    raw_date: bytes
    rr: RockRidge = field(default_factory=RockRidge)

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


def _sl_components(body: bytes, comps: list[bytes], join_next: bool) -> bool:
    """Add one SL entry's component records to `comps`; return whether the last continues."""
    pos = 0
    while pos + 2 <= len(body):
        flags, length = body[pos], body[pos + 1]
        content = body[pos + 2 : pos + 2 + length]
        pos += 2 + length
        if flags & 0x02:
            content = b"."
        elif flags & 0x04:
            content = b".."
        elif flags & 0x08:
            comps.clear()
            comps.append(b"")  # the root: "/".join gives the leading slash
            join_next = False
            continue
        if join_next and comps:
            comps[-1] += content
        else:
            comps.append(content)
        join_next = bool(flags & 0x01)
    return join_next


def _sl_join(comps: list[bytes]) -> bytes:
    return b"/" if comps == [b""] else b"/".join(comps)


def parse_susp(area: bytes, read: Reader | None, rr: RockRidge | None = None) -> RockRidge:
    """Rock Ridge entries of a system use area, following CE continuation areas."""
    rr = rr or RockRidge()
    name_parts: list[bytes] = [rr.name] if rr.name is not None else []
    sl_comps: list[bytes] = []
    sl_join = False
    pending = [area]
    hops = 0
    while pending and hops < 32:
        data = pending.pop(0)
        hops += 1
        pos = 0
        while pos + 4 <= len(data):
            sig, length = data[pos : pos + 2], data[pos + 2]
            if length < 4 or pos + length > len(data):
                break
            body = data[pos + 4 : pos + length]
            pos += length
            if sig == b"ST":
                break
            if sig == b"CE" and len(body) >= 24 and read is not None:
                block, offset, size = struct.unpack_from("<I4xI4xI", body, 0)
                if 0 < size <= 64 * 1024:
                    chunk = read(block, offset + size)[offset : offset + size]
                    pending.append(chunk)
            elif sig == b"SP" and len(body) >= 3 and body[:2] == b"\xbe\xef":
                rr.sp_skip = body[2]
            elif sig == b"NM" and body:
                flags = body[0]
                rr.has_rr = True
                if flags & 0x02:
                    name_parts = [b"."]
                elif flags & 0x04:
                    name_parts = [b".."]
                else:
                    name_parts.append(body[1:])
            elif sig == b"PX" and len(body) >= 32:
                rr.has_rr = True
                rr.mode = struct.unpack_from("<I", body, 0)[0]
                rr.nlink = struct.unpack_from("<I", body, 8)[0]
                rr.uid = struct.unpack_from("<I", body, 16)[0]
                rr.gid = struct.unpack_from("<I", body, 24)[0]
            elif sig == b"SL" and body:
                rr.has_rr = True
                sl_join = _sl_components(body[1:], sl_comps, sl_join)
                rr.symlink = _sl_join(sl_comps)
            elif sig == b"TF" and body:
                rr.has_rr = True
                rr.mtime = _tf_mtime(body) or rr.mtime
            elif sig == b"CL" and len(body) >= 4:
                rr.has_rr = True
                rr.child_link = struct.unpack_from("<I", body, 0)[0]
            elif sig == b"RE":
                rr.has_rr = True
                rr.relocated = True
            elif sig in (b"RR", b"PN", b"TF", b"SF", b"ER"):
                rr.has_rr = True
    if name_parts:
        rr.name = b"".join(name_parts)
    return rr


def _tf_mtime(body: bytes) -> datetime | None:
    flags = body[0]
    long_form = bool(flags & 0x80)
    size = 17 if long_form else 7
    pos = 1
    for bit in (0x01, 0x02):  # creation, then modification
        if flags & bit:
            raw = body[pos : pos + size]
            if bit == 0x02:
                return decode_date17(raw) if long_form else decode_date7(raw)
            pos += size
    return None


def parse_record(
    data: bytes, pos: int, *, skip: int = 0, read: Reader | None = None, with_susp: bool = True
) -> Record | None:
    """The directory record at data[pos:], or None when its length byte is 0."""
    length = data[pos]
    if length < 34 or pos + length > len(data):
        return None
    extent, size = struct.unpack_from("<I4xI", data, pos + 2)
    flags, name_len = data[pos + 25], data[pos + 32]
    ident = data[pos + 33 : pos + 33 + name_len]
    record = Record(extent, size, flags, ident, data[pos + 18 : pos + 25])
    if with_susp:
        su_start = pos + 33 + name_len + (0 if name_len % 2 else 1) + skip
        if su_start + 4 <= pos + length:
            record.rr = parse_susp(data[su_start : pos + length], read)
    return record


def iter_records(
    data: bytes, *, skip: int = 0, read: Reader | None = None, with_susp: bool = True
) -> list[Record]:
    """Every record of a directory extent; records never cross a sector boundary."""
    records: list[Record] = []
    pos, end = 0, len(data)
    while pos < end:
        if data[pos] == 0:
            pos = (pos // SECTOR + 1) * SECTOR
            continue
        record = parse_record(data, pos, skip=skip, read=read, with_susp=with_susp)
        if record is None:
            pos = (pos // SECTOR + 1) * SECTOR
            continue
        records.append(record)
        pos += data[pos]
    return records


def iso_name(ident: bytes, joliet: bool) -> str:
    """Display form of an ISO 9660 / Joliet identifier: no ";1" version, no lone trailing dot."""
    if joliet:
        text = ident.decode("utf-16-be", "surrogatepass").encode("utf-8", "surrogatepass")
        name = text.decode("utf-8", "replace")
    else:
        name = ident.decode("latin-1")
    if ";" in name:
        name = name.rsplit(";", 1)[0]
    if name.endswith(".") and name not in (".", ".."):
        name = name[:-1]
    return name
