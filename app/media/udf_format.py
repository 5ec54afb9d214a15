"""A rewritable medium (or an image file) as a big floppy: the mkudffs command line.

mkudffs (udftools) is not xorriso, so it lives here and not in app.engine. Only argv lists
are built (no shell); app.jobs.udf_format runs them.
"""

from __future__ import annotations

import shutil

BLOCK_SIZE = 2048
"""Optical media have 2048-byte sectors; an image file gets the same so it can be burned."""
IMAGE_BLOCKS = 2_295_104
"""A new or empty image file is made the size of a 4.7 GB DVD (sparse: only metadata written)."""
LABEL_BYTES = 30
"""--label sets the volume identifier too: a 32-byte dstring holds 30 8-bit characters."""
LABEL_WIDE = 15
"""...or 15 characters when one needs UTF-16 (beyond Latin-1)."""

MEDIA_TYPES = (
    ("DVD-RAM", "dvdram"),
    ("BD-RE", "dvdram"),  # random access with defect management in the drive, as DVD-RAM
    ("DVD+RW", "dvdrw"),
    ("DVD-RW", "dvdrw"),
    ("CD-RW", "cdrw"),
)
"""Profile prefixes as xorriso names them, and udftools' --media-type for each."""
PACKET_TYPES = ("dvdrw", "cdrw")
"""Written through pktcdvd where the kernel has it; DVD-RAM and BD-RE are random access."""


def media_type(profile: str | None, *, image: bool) -> str:
    """udftools' --media-type: hd for an image file, else from the medium's profile.

    ValueError (one line naming the fix) for a medium that is not rewritable.
    """
    if image:
        return "hd"
    text = (profile or "").strip()
    for prefix, kind in MEDIA_TYPES:
        if text.upper().startswith(prefix):
            return kind
    raise ValueError(
        f"a {text or 'unknown'} medium cannot be formatted for UDF: insert a DVD+RW, DVD-RW, "
        "DVD-RAM, BD-RE or CD-RW"
    )


def needs_overwrite_format(profile: str | None) -> bool:
    """A DVD-RW in sequential recording must become restricted overwrite (xorriso -format)
    before a file system can be written in place."""
    return (profile or "").upper().startswith("DVD-RW SEQUENTIAL")


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


def mkudffs_argv(path: str, kind: str, label: str, blocks: int | None = None) -> list[str]:
    """The mkudffs command: media type, label, 2048-byte blocks, `blocks` for a new file."""
    argv = [
        shutil.which("mkudffs") or "mkudffs",
        "--utf8",  # the label is given as UTF-8 whatever the locale (mkudffs wants it first)
        f"--media-type={kind}",
        f"--label={check_label(label)}",
        f"--blocksize={BLOCK_SIZE}",
        path,
    ]
    return [*argv, str(blocks)] if blocks else argv


def next_step(path: str, kind: str) -> str:
    """What to type to use the formatted medium (mount read-write as udf)."""
    if kind == "hd":
        return f"to use it: sudo mount -t udf -o loop,rw {path} /mnt"
    if kind in PACKET_TYPES:
        return (
            f"to use it: sudo modprobe pktcdvd && sudo pktsetup dvd0 {path} && "
            "sudo mount -t udf -o rw,noatime /dev/pktcdvd/dvd0 /mnt (where the kernel has "
            f"no pktcdvd: sudo mount -t udf -o rw {path} /mnt writes whole blocks, slowly)"
        )
    return f"to use it: sudo mount -t udf -o rw {path} /mnt"
