"""The boot picture of an image or medium as xorriso reports it: El Torito boot images and
the system area (MBR, GPT and Apple partition maps, isohybrid and GRUB2 markers).

Plain data for `app.engine.boot_report` (the parser) and its readers.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Literal

PartitionTable = Literal["MBR", "GPT", "APM"]

MBR_TYPES = {
    0x00: "empty", 0x01: "FAT12", 0x06: "FAT16", 0x07: "NTFS/exFAT", 0x0B: "FAT32",
    0x0C: "FAT32 (LBA)", 0x0E: "FAT16 (LBA)", 0x17: "hidden NTFS (isohybrid)",
    0x82: "Linux swap", 0x83: "Linux", 0x96: "ISO 9660 (CHRP)", 0xA5: "FreeBSD",
    0xCD: "ISO 9660", 0xEE: "GPT protective", 0xEF: "EFI System",
}  # fmt: skip
GPT_TYPES = {
    "c12a7328-f81f-11d2-ba4b-00a0c93ec93b": "EFI System",
    "ebd0a0a2-b9e5-4433-87c0-68b6b72699c7": "Basic data",
    "21686148-6449-6e6f-744e-656564454649": "BIOS boot",
    "0fc63daf-8483-4772-8e79-3d69d8477de4": "Linux filesystem",
    "48465300-0000-11aa-aa11-00306543ecac": "HFS+",
    "9e1a2d38-c612-4316-aa26-8b49521e5a8b": "PReP boot",
}
GPT_LEGACY_BOOTABLE = 1 << 2


@dataclass
class BootImage:
    """One El Torito boot image as xorriso reports it."""

    number: int
    platform: str
    """BIOS, UEFI, PPC, Mac or a hex number."""
    bootable: bool
    emulation: str
    """none, fd1.2, fd1.4, fd2.8, hd."""
    load_segment: int
    partition_type: int
    """Hdpt: the MBR partition type of a hard disk emulation."""
    load_size: int
    """Ldsiz: 512-byte blocks the firmware loads ("boot-load-size")."""
    lba: int
    path: str | None = None
    """The file in the ISO tree that starts at `lba` (None: a hidden image)."""
    options: list[str] = field(default_factory=list)
    """boot-info-table, isohybrid-suitable, grub2-boot-info."""
    id_string: str | None = None
    selection_criteria: str | None = None
    blocks: int | None = None
    """Upper bound of 2048-byte blocks of a hidden image ("img blks")."""
    hd_size_512: int | None = None


@dataclass
class Partition:
    """One entry of an MBR, GPT or Apple partition map in the system area."""

    table: PartitionTable
    number: int
    start: int = 0
    size: int = 0
    """In blocks of `block_size` bytes."""
    block_size: int = 512
    type: str = ""
    """MBR: "0xcd"; GPT: the type GUID (RFC 4122 text); APM: the type string."""
    type_name: str | None = None
    name: str | None = None
    bootable: bool = False
    """MBR status 0x80, or the GPT "legacy BIOS bootable" flag."""
    flags: int | None = None
    guid: str | None = None
    path: str | None = None
    """The file in the ISO tree that starts where the partition starts."""


@dataclass
class SystemArea:
    options: int | None = None
    summary: list[str] = field(default_factory=list)
    """MBR, GPT, APM, isohybrid, grub2-mbr, protective-msdos-label, cyl-align-..."""
    image_size_512: int | None = None
    partition_offset: int | None = None
    mbr_heads: int | None = None
    mbr_sectors: int | None = None
    gpt_disk_guid: str | None = None
    gpt_entries: str | None = None
    gpt_lba_range: tuple[int, int, int] | None = None
    apm_block_size: int | None = None
    prep: tuple[int, int] | None = None
    partitions: list[Partition] = field(default_factory=list)
    other: list[str] = field(default_factory=list)
    """MIPS, SPARC, HP-PA and DEC Alpha boot data, as xorriso words it."""
    problems: list[str] = field(default_factory=list)
    """GPT checksums and backup inconsistencies xorriso found."""


@dataclass
class BootReport:
    boot_record: str | None = None
    """xorriso's one-line summary: "El Torito , MBR isohybrid cyl-align-on"."""
    catalog_lba: int | None = None
    catalog_blocks: int | None = None
    catalog_path: str | None = None
    images: list[BootImage] = field(default_factory=list)
    system_area: SystemArea | None = None
    unparsed: list[str] = field(default_factory=list)
    """Report lines that did not parse (kept, never a lost report)."""
    problems: list[str] = field(default_factory=list)
    """Why xorriso could not read (all of) the boot data, in its words."""


def guid_text(hex_digits: str) -> str:
    """RFC 4122 text of a GUID that xorriso prints as its 16 bytes (mixed endian)."""
    return str(uuid.UUID(bytes_le=bytes.fromhex(hex_digits)))
