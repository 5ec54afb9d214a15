"""Typed results of the engine.

`Toc` and its parts are shaped so that `dataclasses.asdict(toc)` *is* the JSON document
that `discdeck info --json` prints: scripts depend on that shape, so extra facts live in
`MediumReport`, never in `Toc`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

SECTOR = 2048
"""Bytes per logical block on CD/DVD/BD and in xorriso's sector counts."""

MediaStatus = Literal["blank", "appendable", "closed", "absent", "unknown"]
SessionKind = Literal["ISO", "Other"]


@dataclass
class TocDrive:
    address: str
    vendor: str | None = None
    product: str | None = None
    revision: str | None = None


@dataclass
class Media:
    profile: str | None = None
    status: MediaStatus = "unknown"
    product: str | None = None
    readable_blocks: int | None = None
    writable_blocks: int | None = None
    overall_blocks: int | None = None
    sessions_count: int = 0
    data_blocks: int | None = None
    nwa: int | None = None


@dataclass
class Session:
    index: int
    kind: SessionKind
    start: int
    blocks: int
    volume_id: str


@dataclass
class Toc:
    drive: TocDrive
    media: Media = field(default_factory=Media)
    sessions: list[Session] = field(default_factory=list)


@dataclass
class MediaSummary:
    """The `Media summary:` line: counts plus xorriso's rounded byte figures."""

    sessions: int
    data_blocks: int
    data_bytes: int
    free_bytes: int


@dataclass
class DriveInfo:
    """One recorder as `xorriso -devices` (or a busy-device message) names it."""

    address: str
    vendor: str | None = None
    product: str | None = None
    revision: str | None = None
    permissions: str | None = None
    busy: bool = False


@dataclass
class FormatEntry:
    index: int
    type_code: int
    blocks: int
    size_text: str


@dataclass
class Formats:
    """`-list_formats`: the current format state and the formats the drive offers."""

    status: str | None = None
    status_size_text: str | None = None
    spare_consumed: int | None = None
    spare_available: int | None = None
    entries: list[FormatEntry] = field(default_factory=list)
    applicable: bool = True


@dataclass
class MediumReport:
    """Everything one read of a drive taught us: the TOC plus what the TOC cannot hold."""

    toc: Toc
    summary: MediaSummary | None = None
    access: str | None = None
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    filesystem: str | None = None
    """A file system xorriso does not read (UDF), named by a reader above the engine."""
