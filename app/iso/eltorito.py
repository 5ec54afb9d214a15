"""El Torito boot catalog of one session, like `isoinfo -d` or `xorriso -report_el_torito plain`.

Pure struct parsing: the Boot Record Volume Descriptor (type 0, "EL TORITO SPECIFICATION")
names the catalog's sector; the catalog is a list of 32-byte entries: a validation entry,
the initial/default entry (BIOS), then section headers (0x90 more follow, 0x91 last), each
followed by its section entries (and 0x44 extension entries).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from app.iso.entry import IsoDamageError
from app.iso.file import SessionFile, device_path
from app.iso.head import past_end, sectors
from app.iso.records import SECTOR, VD_BOOT, read_descriptors

EL_TORITO_ID = b"EL TORITO SPECIFICATION"
PLATFORMS = {0x00: "BIOS", 0x01: "PPC", 0x02: "Mac", 0xEF: "EFI"}
MEDIA_TYPES = {
    0: ("none", "no emulation"),
    1: ("fd1.2", "1.2M floppy"),
    2: ("fd1.4", "1.44M floppy"),
    3: ("fd2.8", "2.88M floppy"),
    4: ("hd", "hard disk"),
}
"""Emulation code -> (xorriso's word, words for people)."""
MAX_CATALOG_SECTORS = 16
"""Read at most this much catalog (512 entries): a crafted catalog cannot loop forever."""
MAX_BOOT_IMAGES = 32
"""Boot images read at most, as libisofs (and so xorriso) does: a section header that
claims 65535 entries does not turn the rest of the sector into boot images."""
INDICATORS = {0x88: True, 0x00: False}
"""Boot indicator byte -> bootable; any other value is outside the specification."""


def platform_name(platform_id: int) -> str:
    """BIOS, PPC, Mac, EFI, or the hex number (e.g. "0x12")."""
    return PLATFORMS.get(platform_id, f"0x{platform_id:02x}")


@dataclass
class BootEntry:
    """One bootable image of the catalog."""

    section: int
    """0: the initial/default entry; 1..: the section it belongs to."""
    platform_id: int
    platform: str
    """BIOS, PPC, Mac, EFI or hex (of the section; the validation entry's for the default)."""
    bootable: bool
    media_type: int
    """Emulation code 0-4 (low nibble of the media byte)."""
    emulation: str
    """xorriso's word: none, fd1.2, fd1.4, fd2.8, hd."""
    media_type_name: str
    """no emulation, 1.2M floppy, 1.44M floppy, 2.88M floppy, hard disk."""
    load_segment: int
    """0 means the traditional 0x7C0."""
    system_type: int
    """Partition type byte (hard disk emulation), shown by xorriso as Hdpt."""
    sector_count: int
    """Virtual (512-byte) sectors loaded by the BIOS ("boot-load-size")."""
    load_rba: int
    """Start sector (2048-byte block) of the boot image."""
    selection_criteria: int = 0
    id_string: bytes = b""
    """The hosting section header's id string (raw, NUL-padded); b"" for the default entry."""
    indicator: int = 0x88
    """The raw boot indicator: 0x88 bootable, 0x00 not; anything else is a damaged entry."""
    media_byte: int = 0
    """The raw media byte (emulation in bits 0-3; bits 4-7 reserved or flags)."""
    number: int = 0
    """1-based position in its section (0 for the default entry)."""
    anomalies: list[str] = field(default_factory=list)
    """What in this entry is outside the specification, in words (shown beside it)."""

    @property
    def label(self) -> str:
        """How people find the entry: "default entry" or "section 2 entry 1"."""
        if self.section == 0:
            return "default entry"
        return f"section {self.section} entry {self.number}"


@dataclass
class BootCatalog:
    catalog_sector: int
    """Where the catalog starts (from the Boot Record Volume Descriptor)."""
    validation_platform_id: int
    validation_platform: str
    id_string: str
    """The validation entry's manufacturer id string (stripped of NUL/spaces)."""
    checksum_ok: bool
    entries: list[BootEntry] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    """Anything malformed that was skipped, in words."""


def _boot_entry(
    raw: bytes, section: int, platform_id: int, id_string: bytes, number: int = 0
) -> BootEntry:
    indicator, media, segment, system, count, rba = struct.unpack_from("<BBHBxHI", raw, 0)
    code = media & 0x0F
    word, name = MEDIA_TYPES.get(code, (f"0x{code:x}", f"unknown emulation {code}"))
    entry = BootEntry(
        section=section, platform_id=platform_id, platform=platform_name(platform_id),
        bootable=indicator == 0x88, media_type=code, emulation=word, media_type_name=name,
        load_segment=segment, system_type=system, sector_count=count, load_rba=rba,
        selection_criteria=raw[12] if section else 0, id_string=id_string,
        indicator=indicator, media_byte=media, number=number,
    )  # fmt: skip
    if indicator not in INDICATORS:
        entry.anomalies.append(
            f"boot indicator 0x{indicator:02x} is neither 0x88 (bootable) nor 0x00"
        )
    if code not in MEDIA_TYPES:
        entry.anomalies.append(f"media type {code} is not an El Torito emulation (0-4)")
    reserved = media & (0xF0 if section == 0 else 0x10)
    if reserved:
        entry.anomalies.append(f"reserved bits of the media byte are set (0x{media:02x})")
    return entry


def parse_catalog(data: bytes, catalog_sector: int = 0) -> BootCatalog | None:
    """The catalog in `data` (one or more sectors), or None without a valid validation entry."""
    if len(data) < 64 or data[0] != 0x01 or data[30:32] != b"\x55\xaa":
        return None
    words = struct.unpack_from("<16H", data, 0)
    platform = data[1]
    catalog = BootCatalog(
        catalog_sector=catalog_sector,
        validation_platform_id=platform,
        validation_platform=platform_name(platform),
        id_string=data[4:28].decode("latin-1").rstrip("\0 "),
        checksum_ok=sum(words) & 0xFFFF == 0,
    )
    if not catalog.checksum_ok:
        catalog.problems.append("the validation entry's checksum is wrong")
    catalog.entries.append(_boot_entry(data[32:64], 0, platform, b""))
    pos, section, final = 64, 0, False
    while pos + 32 <= len(data) and not final:
        header = data[pos : pos + 32]
        if header[0] not in (0x90, 0x91):
            if header[0] != 0x00:
                catalog.problems.append(
                    f"the entry after section {section} is neither a section header nor "
                    f"the end (0x{header[0]:02x}): the rest of the catalog was not read"
                )
            break  # 0x00: end of the catalog
        final = header[0] == 0x91
        section += 1
        pos = _section(catalog, data, pos, section)
        if len(catalog.entries) >= MAX_BOOT_IMAGES:
            catalog.problems.append(
                f"the catalog holds more than {MAX_BOOT_IMAGES} boot images: the rest was not read"
            )
            break
    catalog.problems.extend(f"{e.label}: {a}" for e in catalog.entries for a in e.anomalies)
    return catalog


def _section(catalog: BootCatalog, data: bytes, pos: int, section: int) -> int:
    """Read one section (header at `pos`) into the catalog; return where the next starts.

    A section ends at its claimed count, at an empty (all zero) entry, or at the bound of
    boot images; a count the catalog does not hold is a problem, not a list of zeros.
    """
    header = data[pos : pos + 32]
    count = struct.unpack_from("<H", header, 2)[0]
    pos += 32
    taken = 0
    while taken < count and pos + 32 <= len(data) and len(catalog.entries) < MAX_BOOT_IMAGES:
        raw = data[pos : pos + 32]
        if raw[0] == 0x44:  # extension of the previous entry's selection criteria
            pos += 32
            continue
        if not any(raw):
            break
        pos += 32
        taken += 1
        catalog.entries.append(_boot_entry(raw, section, header[1], header[4:32], taken))
        while pos + 32 <= len(data) and data[pos] == 0x44:
            pos += 32
    if taken < count and len(catalog.entries) < MAX_BOOT_IMAGES:
        catalog.problems.append(
            f"section {section} claims {count} entries; the catalog holds {taken}"
        )
    return pos


def catalog_sector(source: SessionFile) -> int | None:
    """The boot catalog's sector from the Boot Record Volume Descriptor, if there is one."""
    for vd in read_descriptors(source.read_blocks):
        if vd.type == VD_BOOT and vd.data[7 : 7 + len(EL_TORITO_ID)] == EL_TORITO_ID:
            return struct.unpack_from("<I", vd.data, 0x47)[0]
    return None


def read_boot_catalog(path_or_device: str, session_start: int | None = None) -> BootCatalog | None:
    """The El Torito catalog of a session (None: the session is not bootable via El Torito).

    `session_start` as for `isoview.open_session` (None: the descriptors at sectors 16..).
    A boot record whose catalog is past the end of the image or is no catalog raises
    IsoDamageError (one line): that session is damaged, not "not bootable".
    """
    with SessionFile(device_path(path_or_device), session_start) as source:
        sector = catalog_sector(source)
        if sector is None:
            return None
        size = source.known_size()
        data = source.read_blocks(sector, MAX_CATALOG_SECTORS * SECTOR)
    if not data:
        where = f" ({sectors(size)})" if size is not None else ""
        raise IsoDamageError(
            f"the boot record points to a boot catalog at sector {sector}, past the end "
            f"of the image{where}"
        )
    catalog = parse_catalog(data, sector)
    if catalog is None:
        raise IsoDamageError(
            f"the boot record points to a boot catalog at sector {sector}, but that sector "
            "holds no validation entry (damaged catalog or boot record)"
        )
    for entry in catalog.entries:
        if entry.load_rba and past_end(size, entry.load_rba, entry.sector_count * 512):
            catalog.problems.append(
                f"{entry.label}: its boot image at sector {entry.load_rba} lies past the end "
                "of the image"
            )
    return catalog
