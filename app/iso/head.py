"""The head of one session: its volume descriptors, which tree to read, and what is damaged.

Decides once, when a session is opened, where names come from (Rock Ridge, else Joliet,
else ISO 9660), how many bytes every system use area starts with (SP's len_skp), and the
root folder's record. Damage that can be read around (no descriptor terminator, a cut-off
image, a root record of size 0, a Joliet root past the end) becomes a line in
`Head.problems`; damage that leaves nothing to read raises `IsoDamageError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.iso.entry import IsoDamageError, IsoFormatError, NameSource
from app.iso.file import SessionFile
from app.iso.records import (
    RECORD_MIN,
    SECTOR,
    VD_PRIMARY,
    Record,
    VolumeDescriptor,
    parse_record,
    read_descriptor_set,
    system_use,
)
from app.iso.susp import XA_RECORD, XA_SIGNATURE_AT, Reader, RockRidge, find_sp, parse_susp

FOLDER_MIN = 2 * RECORD_MIN
"""A folder holds at least its "." and ".." records."""


@dataclass
class Head:
    descriptors: list[VolumeDescriptor]
    primary: VolumeDescriptor
    joliet_descriptor: VolumeDescriptor | None
    root: Record
    """The root record of the tree that is read (the Joliet one for a Joliet tree)."""
    tree: NameSource
    skip: int
    """Bytes to skip at the start of every system use area (SP len_skp)."""
    root_rr: RockRidge | None
    size: int | None
    """Bytes of an image file; None for a device."""
    problems: list[str] = field(default_factory=list)


def past_end(size: int | None, extent: int, length: int) -> bool:
    """Whether bytes at `extent` (2048-byte blocks) run past the end of an image of `size`."""
    return size is not None and extent * SECTOR + max(length, 1) > size


def sectors(size: int) -> str:
    return f"{size // SECTOR} sectors" if size % SECTOR == 0 else f"{size / SECTOR:.1f} sectors"


def read_head(source: SessionFile) -> Head:
    """Read and check a session's head; IsoFormatError when it holds no ISO 9660."""
    descriptors, unterminated = read_descriptor_set(source.read_blocks)
    primary = next((vd for vd in descriptors if vd.type == VD_PRIMARY), None)
    if primary is None:
        where = f"session at sector {source.session_start}" if source.session_start else "it"
        raise IsoFormatError(
            f"{source.path}: no ISO 9660 volume descriptor in {where} "
            "(blank, not ISO 9660, or a wrong session start)"
        )
    size = source.known_size()
    problems = [unterminated] if unterminated else []
    if size is not None and primary.volume_blocks() * SECTOR > size:
        problems.append(
            f"the image is cut off: its volume is {primary.volume_blocks()} sectors, "
            f"the file holds {sectors(size)}"
        )
    root = parse_record(primary.root_record(), 0, with_susp=False)
    if root is None:
        raise IsoDamageError("the primary volume descriptor's root record is malformed")
    if past_end(size, root.extent, root.size):
        raise IsoDamageError(
            f"/: the root folder at sector {root.extent} lies past the end of the image "
            f"({sectors(size or 0)}): the image is cut off before its root"
        )
    first = source.read_blocks(root.extent, SECTOR)
    root_rr, skip = rock_ridge_of_root(first, source.read_blocks)
    head = Head(
        descriptors, primary, next((vd for vd in descriptors if vd.is_joliet), None), root,
        "rockridge" if root_rr is not None else "iso9660", skip, root_rr, size, problems,
    )  # fmt: skip
    head.root.size = folder_size("/", root, first, problems)
    if head.tree == "iso9660" and head.joliet_descriptor is not None:
        _choose_joliet(head, source)
    return head


def rock_ridge_of_root(first: bytes, read: Reader) -> tuple[RockRidge | None, int]:
    """(the root "." record's Rock Ridge, len_skp) or (None, 0) when the tree has none.

    SP is searched for, not only expected at byte 0 (XA images put their record first);
    writers that leave SP out are recognised by Rock Ridge entries, also behind an XA record.
    """
    area = system_use(first, 0)
    sp = find_sp(area)
    if sp is not None:
        at, skip = sp
        rr = parse_susp(area[at:], read)
        rr.sp_skip = skip
        return rr, skip
    rr = parse_susp(area, read)
    if rr.has_rr:
        return rr, 0
    if area[XA_SIGNATURE_AT] == b"XA":
        rr = parse_susp(area[XA_RECORD:], read)
        if rr.has_rr:
            return rr, XA_RECORD
    return None, 0


def folder_size(path: str, record: Record, first: bytes, problems: list[str]) -> int:
    """A folder's byte count: its record's, or, when that cannot be (less than the "." and
    ".." records), what its own "." record says, with a line in `problems`."""
    if record.size >= FOLDER_MIN:
        return record.size
    dot = parse_record(first, 0, with_susp=False)
    if dot is None or not dot.is_dot or dot.extent != record.extent or dot.size < FOLDER_MIN:
        raise IsoDamageError(
            f"{path}: the folder's record says it holds {record.size} bytes and sector "
            f"{record.extent} holds no '.' record to read instead"
        )
    problems.append(
        f"{path}: the folder's record says it holds {record.size} bytes; "
        f"its '.' record says {dot.size}, which was read"
    )
    return dot.size


def _choose_joliet(head: Head, source: SessionFile) -> None:
    """Read the Joliet tree, unless its root is damaged: then ISO 9660 names, said so."""
    assert head.joliet_descriptor is not None
    joliet_root = parse_record(head.joliet_descriptor.root_record(), 0, with_susp=False)
    if joliet_root is None:
        head.problems.append("the Joliet descriptor's root record is malformed: ISO 9660 names")
        return
    if past_end(head.size, joliet_root.extent, joliet_root.size):
        head.problems.append(
            f"the Joliet root folder at sector {joliet_root.extent} lies past the end of the "
            "image: ISO 9660 names are shown instead"
        )
        return
    first = source.read_blocks(joliet_root.extent, SECTOR)
    try:
        joliet_root.size = folder_size("/", joliet_root, first, head.problems)
    except IsoDamageError as exc:
        head.problems.append(f"{exc} (Joliet): ISO 9660 names are shown instead")
        return
    head.root, head.tree = joliet_root, "joliet"
