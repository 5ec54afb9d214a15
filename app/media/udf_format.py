"""A rewritable medium (or an image file) as a big floppy: the mkudffs command line.

mkudffs (udftools) is not xorriso, so it lives here and not in app.engine. Only argv lists
are built (no shell); app.jobs.udf_format runs them.
"""

from __future__ import annotations

import glob
import os
import shlex
import shutil
from dataclasses import dataclass

BLOCK_SIZE = 2048
"""Optical media have 2048-byte sectors; an image file gets the same so it can be burned."""
IMAGE_BLOCKS = 2_295_104
"""A new or empty image file is made the size of a 4.7 GB DVD (sparse: only metadata written)."""
LABEL_BYTES = 30
"""--label sets the volume identifier too: a 32-byte dstring holds 30 8-bit characters."""
LABEL_WIDE = 15
"""...or 15 characters when one needs UTF-16 (beyond Latin-1)."""

PKTCDVD_PLACES = ("/sys/module/pktcdvd", "/dev/pktcdvd")
"""Where a loaded pktcdvd shows; a module not yet loaded is looked for under /lib/modules."""


@dataclass(frozen=True)
class UdfMedium:
    """How one kind of rewritable medium becomes a big floppy, and why."""

    prefix: str
    """The profile as xorriso names it ("DVD+RW", "DVD-RW restricted overwrite")."""
    media_type: str
    """mkudffs --media-type."""
    extra: tuple[str, ...]
    """More mkudffs options (after --media-type, as mkudffs wants them)."""
    format_first: bool
    """xorriso -format as_needed runs first: it formats a new medium and leaves a formatted
    one as it is (DVD-RW: sequential recording becomes restricted overwrite)."""
    in_place: bool
    """Linux's sr driver opens it for writing (drivers/cdrom/cdrom.c cdrom_open_write:
    DVD-RAM, DVD+RW, BD-RE and random-writable media), so mkudffs and mount use /dev/srN.
    Otherwise writes go through pktcdvd, which needs root (pktsetup)."""
    why: str


UDF_MEDIA = (
    UdfMedium("DVD-RAM", "dvdram", (), True, True,
              "random access, the drive manages defects: no sparing table"),
    UdfMedium("BD-RE", "dvdram", ("--packetlen=32",), True, True,
              "mkudffs has no BD-RE type and cannot make the UDF 2.50 Blu-ray asks for (man "
              "mkudffs); like DVD-RAM it is random access with the drive managing defects, so "
              "UDF 2.01 as for DVD-RAM, aligned to BD's 32-sector clusters: Linux and Windows "
              "read and write it, a Blu-ray player may not"),
    UdfMedium("DVD+RW", "dvdrw", (), True, True,
              "overwritten in place, no defect management in the drive: a sparing table"),
    UdfMedium("DVD-RW", "dvdrw", (), True, False,
              "restricted overwrite, no defect management: a sparing table; written in "
              "packets through pktcdvd"),
    UdfMedium("CD-RW", "cdrw", (), False, False,
              "fixed packets (cdrwtool formats them; libburn cannot): written through pktcdvd"),
)  # fmt: skip
"""The rewritable media, by profile prefix (the longest match wins: none overlap)."""


def udf_medium(profile: str | None) -> UdfMedium:
    """The medium's entry; ValueError (one line naming the fix) for any other medium."""
    text = (profile or "").strip()
    for medium in UDF_MEDIA:
        if text.upper().startswith(medium.prefix):
            return medium
    raise ValueError(
        f"a {text or 'unknown'} medium cannot be formatted for UDF: insert a DVD+RW, DVD-RW, "
        "DVD-RAM, BD-RE or CD-RW"
    )


def media_type(profile: str | None, *, image: bool) -> str:
    """udftools' --media-type: hd for an image file, else from the medium's profile."""
    return "hd" if image else udf_medium(profile).media_type


def has_pktcdvd() -> bool:
    """The kernel has packet writing (pktcdvd loaded, or a module for it to load)."""
    if any(os.path.exists(place) for place in PKTCDVD_PLACES):
        return True
    modules = f"/lib/modules/{os.uname().release}/kernel/drivers/block"
    return any(glob.glob(f"{modules}/pktcdvd.ko*"))


def packet_steps(medium: UdfMedium, device: str, label: str, *, pktcdvd: bool) -> str:
    """Why discdeck does not format a DVD-RW or CD-RW on a drive itself, and what to type."""
    if not pktcdvd:
        return (
            f"a {medium.prefix} is written in packets through the kernel's pktcdvd, which this "
            "kernel does not have: format a DVD+RW, DVD-RAM or BD-RE for UDF instead"
        )
    name = "cdrw0" if medium.media_type == "cdrw" else "dvd0"
    packets = f"/dev/pktcdvd/{name}"
    bind = f"sudo modprobe pktcdvd && sudo pktsetup {name} {device}"
    if medium.media_type == "cdrw":
        steps = (
            f"sudo cdrwtool -d {device} -q (blanks it, formats fixed packets, writes UDF), then "
            f"{bind} && sudo udflabel {packets} {shlex.quote(label)}"
        )
    else:
        make = ["mkudffs", *mkudffs_argv(packets, medium, label)[1:]]
        steps = (
            f"xorriso -outdev {device} -format as_needed (restricted overwrite), then "
            f"{bind} && sudo {shlex.join(make)}"
        )
    return (
        f"a {medium.prefix} is written in packets through pktcdvd, which needs root (Linux "
        f"opens {device} read-only for it): {steps}; then sudo mount -t udf -o rw,noatime "
        f"{packets} /mnt"
    )


def check_label(label: str) -> str:
    """The label, or ValueError when UDF cannot hold it (length, control characters)."""
    if not label:
        raise ValueError("the UDF label is empty: give one with --label NAME")
    if any(ord(c) < 32 or ord(c) == 127 for c in label):
        raise ValueError("the UDF label holds a control character: use letters, digits, - or _")
    wide = any(ord(c) > 0xFF for c in label)
    limit = LABEL_WIDE if wide else LABEL_BYTES
    if len(label) > limit:
        raise ValueError(
            f"the UDF label {label!r} has {len(label)} characters; UDF holds {limit}"
            + (" when one is beyond Latin-1" if wide else "")
            + ": give a shorter --label"
        )
    return label


def mkudffs_argv(
    path: str, medium: UdfMedium | None, label: str, blocks: int | None = None
) -> list[str]:
    """The mkudffs command: media type (hd for an image file), label, 2048-byte blocks,
    `blocks` for a new file."""
    argv = [
        shutil.which("mkudffs") or "mkudffs",
        "--utf8",  # the label is given as UTF-8 whatever the locale (mkudffs wants it first)
        f"--media-type={medium.media_type if medium else 'hd'}",
        *(medium.extra if medium else ()),
        f"--label={check_label(label)}",
        f"--blocksize={BLOCK_SIZE}",
        path,
    ]
    return [*argv, str(blocks)] if blocks else argv


def next_step(path: str, kind: str) -> str:
    """What to type to use the formatted medium: mount it read-write as udf (an image file
    through a loop device; DVD-RAM, DVD+RW and BD-RE straight from /dev/srN)."""
    if kind == "hd":
        return f"to use it: sudo mount -t udf -o loop,rw {path} /mnt"
    return f"to use it: sudo mount -t udf -o rw,noatime {path} /mnt"
