"""Read a medium to an image, rescuing what a damaged disc still gives (`-check_media`).

`data_to=IMAGE` copies every block that reads; `sector_map=MAP` remembers which did, so a
later run — after cleaning the disc, in another drive — reads only what is still missing
and says how much it recovered. `-md5 off` keeps a single bad block from marking a whole
session's files damaged; `report=blocks_files` names the files on unreadable blocks.
Cancel touches the abort file, like a surface scan: what was read so far is kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from app.engine.address import parse_address
from app.engine.journal import Journal
from app.engine.models import MediumReport
from app.engine.runner import RunResult, run
from app.engine.surface import (
    SurfaceMap,
    SurfaceResult,
    SurfaceScan,
    blocks_tried,
    parse_surface_map,
)

_DAMAGED = re.compile(r"^File damaged\s*:\s*\d+\s*,\s*\d+\s*,\s*\d+\s*,\s*'(.*)'\s*$", re.DOTALL)


def read_commands(
    address: str, image: str, sector_map: str, abort_file: str, *, retry: bool = True
) -> list[str]:
    """Copy the whole payload (what=disc) into `image`, remembering good blocks in `sector_map`."""
    parsed = parse_address(address)
    return [
        "-md5", "off", "-indev", parsed.xorriso,
        "-check_media", "what=disc", "use=indev", f"data_to={image}", f"sector_map={sector_map}",
        "map_with_volid=on", "report=blocks_files", f"retry={'on' if retry else 'off'}",
        f"abort_file={abort_file}", "--",
    ]  # fmt: skip


def damaged_files(text: str) -> list[str]:
    """Paths of `File damaged :` lines (xorriso quotes ' inside a name as '"'"')."""
    found = []
    for line in text.splitlines():
        if match := _DAMAGED.match(line):
            found.append(match.group(1).replace("'\"'\"'", "'"))
    return found


@dataclass
class ReadResult(SurfaceResult):
    """A rescue read's end: the map of the whole medium, the damaged files, the recovery."""

    damaged: list[str] = field(default_factory=list)
    recovered: int = 0
    """Blocks this run read that earlier runs (the sector map) had not."""
    missing: int = 0
    """Blocks still not read (unreadable or untested)."""
    tried: int = 0
    """Blocks this run read or tried to: 0 when it was cancelled or failed before the first
    (then it is no health check of the disc)."""
    continued: bool = False
    """It went on from an earlier run's sector map, reading only what was missing: its
    progress is no speed curve along the medium."""
    medium: MediumReport | None = field(default=None, repr=False)
    """The disc as the read found it before starting: what the catalog knows it by."""


class RescueRead(SurfaceScan):
    kind = "read"
    first_phase = "reading"
    renamed = {"verifying": "reading"}

    def __init__(
        self, argv: list[str], abort_file: str, *, had_map: bool,
        journal_dir: Path | None = None, address: str | None = None,
        medium: MediumReport | None = None,
    ) -> None:  # fmt: skip
        super().__init__(argv, abort_file, journal_dir=journal_dir, address=address)
        self.had_map = had_map
        """A sector map of earlier runs existed: blocks it marks valid are not read again."""
        self.medium = medium
        self.on_end: Callable[[], None] | None = None
        """Called once the read is over (the caller's lock on the image goes)."""

    def _cleanup(self) -> None:
        super()._cleanup()
        if self.on_end is not None:
            self.on_end()
            self.on_end = None

    def _judge(self, rr: RunResult, facts: None, journal: Journal | None) -> ReadResult:
        scan = super()._judge(rr, facts, journal)
        surface = scan.surface or SurfaceMap(0)
        text = rr.text("R", "I")
        result = ReadResult(**{**scan.__dict__, "kind": "read"})
        result.damaged = damaged_files(text)
        result.tried, result.continued = blocks_tried(text), self.had_map
        result.medium = self.medium
        counts = surface.blocks_by_quality()
        result.missing = counts["unreadable"] + counts["untested"]
        if self.had_map:
            valid = sum(r.blocks for r in surface.regions if r.word == "valid")
            result.recovered = counts["good"] - valid
        if result.outcome == "ok" or (scan.surface and scan.surface.regions and rr.returncode == 32):
            result.outcome, result.message = _verdict(result, surface, self.had_map)
        return result


def _verdict(result: ReadResult, surface: SurfaceMap, had_map: bool) -> tuple[str, str]:
    total = surface.total_blocks
    again = f"; recovered {result.recovered:,} block(s) this time" if result.recovered else ""
    if had_map and not result.recovered:
        again = "; nothing new could be read this time"
    if result.missing == 0:
        if had_map and not result.recovered:
            return "ok", f"all {total:,} blocks are in the image (an earlier run read them)"
        return "ok", f"all {total:,} blocks read{again}"
    files = ""
    if result.damaged:
        shown = ", ".join(result.damaged[:3]) + (" ..." if len(result.damaged) > 3 else "")
        files = f" in {len(result.damaged)} file(s): {shown}"
    return "failed", (
        f"{result.missing:,} of {total:,} blocks could not be read{files}{again}; "
        "run it again to retry only those (this drive or another)"
    )


def new_read_map(image: str) -> str:
    """Where the sector map of a read into `image` lives: beside it, `IMAGE.sectors`."""
    return f"{image}.sectors"



def unread_ranges(sector_map: str) -> list[tuple[int, int]]:
    """(start, count) of every range a read's sector map holds as not read, in xorriso's
    own words (`use=sector_map` reads no medium). A read leaves those blocks zero-filled."""
    rr = run(["-check_media", "use=sector_map", f"sector_map={sector_map}", "what=disc", "--"])
    surface = parse_surface_map(rr.text("R", "I"))
    return [(r.start, r.blocks) for r in surface.regions if r.quality != "good"]
