"""A SCSI media changer (a jukebox) as `mtx` (Debian package mtx) sees it: what `mtx -f DEV
status` says, parsed, and the argv of its load and unload.

mtx numbers slots from 1 and drives (data transfer elements) from 0, as its status shows
them; discdeck keeps those numbers so that what it says matches what mtx says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MTX = "mtx"
MISSING = "mtx is not installed: sudo apt-get install mtx"

_HEADER = re.compile(
    r"Storage Changer\s+(?P<dev>.*?):\s*(?P<drives>\d+)\s+Drives?,\s*(?P<slots>\d+)\s+Slots?"
    r"(?:\s*\(\s*(?P<ie>\d+)\s+Import/Export\s*\))?"
)
_DRIVE = re.compile(
    r"Data Transfer Element\s+(?P<n>\d+)\s*:\s*(?P<state>Full|Empty)"
    r"(?:\s*\((?:Storage Element\s+(?P<src>\d+)|Unknown Storage Element)\s+Loaded\))?"
    r"(?P<rest>.*)$"
)
_SLOT = re.compile(
    r"Storage Element\s+(?P<n>\d+)(?P<ie>\s+IMPORT/EXPORT)?\s*:\s*(?P<state>Full|Empty)"
    r"(?P<rest>.*)$"
)
_TAG = re.compile(r"(?<!Alternate)VolumeTag\s*=\s*(?P<tag>[^:]*?)\s*(?::|$)")


class MtxParseError(ValueError):
    """The text is not `mtx status` output (no changer header)."""


@dataclass(frozen=True)
class Slot:
    number: int
    full: bool
    tag: str | None = None
    """The medium's barcode / volume tag, when the changer reads them."""
    mail: bool = False
    """An import/export slot (a mail slot), not storage."""


@dataclass(frozen=True)
class ChangerDrive:
    number: int
    full: bool
    source: int | None = None
    """The slot the loaded medium came from (None when empty or unknown)."""
    tag: str | None = None


@dataclass(frozen=True)
class ChangerStatus:
    device: str
    drives: tuple[ChangerDrive, ...]
    slots: tuple[Slot, ...]

    def slot(self, number: int) -> Slot | None:
        return next((s for s in self.slots if s.number == number), None)

    def drive(self, number: int) -> ChangerDrive | None:
        return next((d for d in self.drives if d.number == number), None)

    @property
    def full_slots(self) -> list[Slot]:
        return [s for s in self.slots if s.full and not s.mail]

    @property
    def empty_slots(self) -> list[Slot]:
        return [s for s in self.slots if not s.full and not s.mail]

    def words(self) -> str:
        """ "1 drive, 8 slots (5 full)": the changer in a few words."""
        drives = len(self.drives)
        return (
            f"{drives} drive{'s' if drives != 1 else ''}, {len(self.slots)} slots "
            f"({len(self.full_slots)} full)"
        )


def _tag(rest: str) -> str | None:
    m = _TAG.search(rest)
    return (m.group("tag").strip() or None) if m else None


def parse_mtx_status(text: str) -> ChangerStatus:
    """`mtx -f DEV status` output as typed facts; MtxParseError when it is something else.
    Lines it does not know (a forum poster's note, indentation) are skipped, not fatal."""
    device, drives, slots = None, [], []
    for raw in text.splitlines():
        line = raw.strip()
        if (m := _HEADER.search(line)) and device is None:
            device = m.group("dev").strip()
        elif m := _DRIVE.match(line):
            source = int(m.group("src")) if m.group("src") else None
            full = m.group("state") == "Full"
            drives.append(ChangerDrive(int(m.group("n")), full, source, _tag(m.group("rest"))))
        elif m := _SLOT.match(line):
            full, mail = m.group("state") == "Full", bool(m.group("ie"))
            slots.append(Slot(int(m.group("n")), full, _tag(m.group("rest")), mail=mail))
    if device is None:
        raise MtxParseError("not mtx status output: no 'Storage Changer' line")
    return ChangerStatus(device, tuple(drives), tuple(slots))


def status_argv(changer: str) -> list[str]:
    return [MTX, "-f", changer, "status"]


def load_argv(changer: str, slot: int, drive: int = 0) -> list[str]:
    return [MTX, "-f", changer, "load", str(slot), str(drive)]


def unload_argv(changer: str, slot: int, drive: int = 0) -> list[str]:
    return [MTX, "-f", changer, "unload", str(slot), str(drive)]
