"""Plan: an operation decided, built once from typed inputs.

The confirmation shows it, "show the command" prints its argv, the job runs that argv,
the journal records it, and a detached run keeps it in its run folder so that whoever
re-attaches reads the same Plan back (no slicing of an argv by position).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

from app.engine.address import Address, parse_address
from app.engine.commands import MapEntry

JobKind = Literal[
    "burn",
    "check",
    "blank",
    "format",
    "eject",
    "surface",
    "extract",
    "remaster",
    "write",
    "verify",
    "udf",
    "ecc_burn",
    "repair",
    "changer",
]
PLAN_FORMAT = 1


@dataclass(frozen=True)
class Follow:
    """What happens after the job itself succeeded."""

    checkread: bool = False
    """A checkread of the same drive (a burn with verify on)."""
    reread: bool = True
    """Re-read the medium and show (and journal) its true state, whatever the outcome."""
    clear_stage: bool = False
    """The stage was burned: clear it when the burn succeeded (if it still holds `entries`)."""
    verify_image: bool = False
    """An image was written: compare the medium with it (params["image"])."""


@dataclass(frozen=True)
class Confirm:
    """The question asked before the job starts."""

    title: str
    lines: tuple[str, ...]
    yes_label: str
    danger: bool = False


@dataclass(frozen=True)
class Plan:
    kind: JobKind
    address: Address
    """The drive (or image) the job works on, parsed once."""
    title: str
    """"Burning to DVD-RW (sr0)": the job screen's title."""
    argv: tuple[str, ...]
    """The complete command line (base flags included); empty for jobs run in-process."""
    confirm: Confirm
    follow: Follow = Follow()
    buffers: bool = False
    """The fifo and drive buffer gauges mean something (a write)."""
    entries: tuple[MapEntry, ...] = ()
    """A burn's staged entries, as they go on the disc."""
    params: dict[str, Any] = field(default_factory=dict)
    """Kind-specific facts a job needs besides argv (JSON-safe): abort file, source, target."""
    drive_title: str = ""
    """The drive's name as the user sees it (what follows the job names it the same way)."""
    local: Any = field(default=None, compare=False, repr=False)
    """An in-process handle (an open ISO view) for jobs that never run detached."""

    @property
    def drive(self) -> str:
        """The address as the user writes it (xorriso's form, or `ssh://host/...`)."""
        return self.address.text

    def to_json(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "local"}
        data["confirm"] = asdict(self.confirm)
        data["follow"] = asdict(self.follow)
        data["format"] = PLAN_FORMAT
        data["address"] = self.address.text
        data["entries"] = [[e.disk_path, e.iso_path, e.offset, e.count] for e in self.entries]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Plan:
        """The Plan a run folder kept (ValueError when it is not one)."""
        if not isinstance(data, dict) or data.get("format") != PLAN_FORMAT:
            raise ValueError("not a discdeck plan")
        confirm = dict(data["confirm"])
        return cls(
            kind=data["kind"],
            address=parse_address(str(data["address"])),
            title=str(data["title"]),
            argv=tuple(str(a) for a in data["argv"]),
            confirm=Confirm(**{**confirm, "lines": tuple(confirm["lines"])}),
            follow=Follow(**data.get("follow", {})),
            buffers=bool(data.get("buffers", False)),
            entries=tuple(MapEntry(*entry) for entry in data.get("entries", [])),
            params=dict(data.get("params", {})),
            drive_title=str(data.get("drive_title", "")),
        )
