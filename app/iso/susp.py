"""SUSP and Rock Ridge entries of a directory record's system use area.

Pure struct parsing; the only I/O is through a `read(lba, nbytes)` callable for CE
continuation areas. References: IEEE P1281 (SUSP) and P1282 (Rock Ridge 1.09/1.12).
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from app.iso.dates import decode_date7, decode_date17

Reader = Callable[[int, int], bytes]
"""read(lba, nbytes): bytes starting at logical block `lba` of the session's device."""

SP_ENTRY = b"SP\x07\x01\xbe\xef"
"""The SUSP indicator: signature, length 7, version 1, check bytes; len_skp follows."""
XA_SIGNATURE_AT = slice(6, 8)
"""Where a CD-ROM XA record (14 bytes, mkisofs -xa) carries "XA" in a system use area."""
XA_RECORD = 14


@dataclass
class RockRidge:
    """What the SUSP entries of one directory record said (None: entry absent)."""

    name: bytes | None = None
    """NM, joined over its parts; an empty NM (libisofs writes one when a charset
    conversion fails) is None, so the Joliet or ISO 9660 name is used instead."""
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
    damage: str | None = None
    """What was wrong with the entries, in words (e.g. a continuation area past the end)."""


def find_sp(area: bytes) -> tuple[int, int] | None:
    """(offset, len_skp) of the SP entry in the root "." record's system use area.

    SUSP puts SP first, but writers of CD-ROM XA images (genisoimage -xa, pycdlib xa=True)
    put the 14-byte XA record before it and say so in len_skp: look for it, not only at 0.
    """
    at = area.find(SP_ENTRY)
    if at < 0 or at + len(SP_ENTRY) >= len(area):
        return None
    return at, area[at + len(SP_ENTRY)]


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
                _continue(rr, body, read, pending)
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
        rr.name = b"".join(name_parts) or None
    return rr


def _continue(rr: RockRidge, body: bytes, read: Reader, pending: list[bytes]) -> None:
    """Queue the continuation area a CE entry names; a short read is damage, said once."""
    block, offset, size = struct.unpack_from("<I4xI4xI", body, 0)
    if not 0 < size <= 64 * 1024:
        return
    chunk = read(block, offset + size)[offset : offset + size]
    if len(chunk) < size:
        rr.damage = f"its Rock Ridge continuation area at sector {block} lies past the end"
    pending.append(chunk)


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
