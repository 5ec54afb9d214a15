"""What the session reader hands out: `Entry` (one file, folder or symlink) and its errors."""

from __future__ import annotations

import stat
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from app.engine.errors import EngineError

NameSource = Literal["rockridge", "joliet", "iso9660", "udf"]


class IsoFormatError(EngineError):
    """The source holds no readable ISO 9660 session at the given start."""


class IsoDamageError(IsoFormatError):
    """A structure the reader needs (the head, a folder's records) is damaged: the message
    is one line naming it, e.g. "/boot: its records at sector 900 lie past the end"."""


@dataclass(slots=True)
class Entry:
    """One file, folder or symlink of a session's tree."""

    name: str
    """Rock Ridge name, else Joliet, else ISO 9660 (without ";1"); "" for the root."""
    iso_path: str
    """Display path from the root, e.g. "/boot/grub/grub.cfg"."""
    is_dir: bool
    is_symlink: bool
    symlink_target: str | None
    size: int
    """Bytes, summed over all extents (multi-extent files > 4 GiB); a folder's record size."""
    extents: list[tuple[int, int]]
    """(start sector, length in bytes) of each extent, in file order."""
    mode: int
    """st_mode with type bits (Rock Ridge PX; 0o40555 / 0o100444 / 0o120777 without it)."""
    uid: int | None
    gid: int | None
    mtime: datetime | None
    """Rock Ridge TF modification time, else the directory record's date (time zone aware)."""
    name_source: NameSource
    nlink: int | None = None
    hidden: bool = False
    """The ISO 9660 "existence" flag asks readers to hide it."""
    raw_name: bytes = field(default=b"", repr=False)
    damage: str | None = None
    """What is wrong with this record, in words (its data past the end of the image, a
    broken Rock Ridge continuation); None when nothing is known to be wrong."""

    @property
    def is_file(self) -> bool:
        return not self.is_dir and not self.is_symlink and stat.S_ISREG(self.mode)

    @property
    def start_sector(self) -> int | None:
        return self.extents[0][0] if self.extents else None


PathOrEntry = str | Entry
