"""What an image file is, before it is written: size, volume id, boot entries, a hybrid
MBR/GPT — and whether it matches the checksum file published beside it.

A download that is already broken must never reach a write-once disc: when SHA256SUMS,
SHA512SUMS or MD5SUMS (the names Debian, Ubuntu and most distributions publish) lies
beside the image and names it, the image is hashed and compared before anything starts.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass, field

from app.iso.eltorito import read_boot_catalog
from app.iso.records import SECTOR, VD_PRIMARY, parse_descriptor

SUMS_FILES = (("SHA256SUMS", "sha256"), ("SHA512SUMS", "sha512"), ("MD5SUMS", "md5"))
_SUM_LINE = re.compile(r"^([0-9a-fA-F]{32,128})\s+[ *]?(.+?)\s*$")
READ = 1 << 20


class ImageError(ValueError):
    """An image that cannot be written, in one line that names the fix."""


@dataclass
class ImageFacts:
    path: str
    size: int
    volume_id: str | None = None
    """The ISO 9660 volume id; None when the image holds no ISO 9660 file system."""
    boot: list[str] = field(default_factory=list)
    """El Torito entries in words: "BIOS, no emulation", "EFI, no emulation"."""
    hybrid: list[str] = field(default_factory=list)
    """A system area that boots from USB too: "MBR", "GPT"."""

    @property
    def blocks(self) -> int:
        return -(-self.size // SECTOR)

    def describe(self) -> list[str]:
        iso = f"ISO 9660, volume {self.volume_id!r}" if self.volume_id else "no ISO 9660"
        lines = [f"Image:   {os.path.basename(self.path)}, {self.size:,} bytes, {iso}"]
        if self.boot or self.hybrid:
            parts = [*self.boot, *(f"hybrid {h}" for h in self.hybrid)]
            lines.append(f"Boots:   {'; '.join(parts)}")
        return lines


def image_facts(path: str) -> ImageFacts:
    """ImageError for a folder, fifo, device, /dev/zero, an empty or unreadable file."""
    check_image_file(path)
    facts = ImageFacts(path, os.path.getsize(path))
    with open(path, "rb") as handle:
        head = handle.read(17 * SECTOR)
    primary = parse_descriptor(head[16 * SECTOR : 17 * SECTOR], 16) if len(head) >= 17 * SECTOR else None
    if primary is not None and primary.type == VD_PRIMARY:
        facts.volume_id = primary.volume_id()
        try:
            catalog = read_boot_catalog(path)
        except (OSError, ValueError):
            catalog = None
        for entry in catalog.entries if catalog else []:
            facts.boot.append(f"{entry.platform}, {entry.media_type_name}")
    if head[510:512] == b"\x55\xaa":
        facts.hybrid.append("MBR")
    if head[512:520] == b"EFI PART" or head[4096:4104] == b"EFI PART":
        facts.hybrid.append("GPT")
    return facts


def check_image_file(path: str) -> None:
    """Only a non-empty regular file is an image: never a folder, a fifo or /dev/zero."""
    try:
        info = os.stat(path)
    except OSError as exc:
        raise ImageError(f"{path}: {exc.strerror}: give the path of an .iso or .img file") from None
    if stat.S_ISDIR(info.st_mode):
        raise ImageError(f"{path} is a folder: give the .iso file inside it")
    if not stat.S_ISREG(info.st_mode):
        raise ImageError(f"{path} is not a regular file (a device, fifo or socket): copy it to a file first")
    if info.st_size == 0:
        raise ImageError(f"{path} is empty: nothing to write")
    if not os.access(path, os.R_OK):
        raise ImageError(f"{path} cannot be read (permission denied)")


@dataclass(frozen=True)
class Checksum:
    sums_file: str
    algorithm: str
    expected: str


def published_checksum(path: str) -> Checksum | None:
    """The checksum a SUMS file beside the image gives for it, if any names it."""
    folder, name = os.path.split(os.path.abspath(path))
    for sums, algorithm in SUMS_FILES:
        sums_path = os.path.join(folder, sums)
        try:
            with open(sums_path, encoding="utf-8", errors="surrogateescape") as handle:
                lines = handle.read(1 << 20).splitlines()
        except OSError:
            continue
        for line in lines:
            match = _SUM_LINE.match(line)
            if match and os.path.basename(match.group(2)) == name:
                return Checksum(sums_path, algorithm, match.group(1).lower())
    return None


def verify_checksum(
    path: str, checksum: Checksum, progress: Callable[[int, int], None] | None = None
) -> None:
    """ImageError when the image's hash differs from the published one."""
    digest = hashlib.new(checksum.algorithm)
    total, done = os.path.getsize(path), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(READ):
            digest.update(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, total)
    if digest.hexdigest() != checksum.expected:
        sums = os.path.basename(checksum.sums_file)
        raise ImageError(
            f"{os.path.basename(path)} does not match its {checksum.algorithm.upper()} in {sums}: "
            "the download is broken; download it again (nothing was written)"
        )
