"""Surface scan: read every block of a medium with `xorriso -check_media` and map its quality.

    scan = start_surface_scan("/dev/sr0")
    for progress in scan.events():        # worker thread; Progress("verifying", ...)
        ...
    scan.result.surface.regions           # SurfaceResult (an OperationResult) + SurfaceMap

Cancel touches the run's abort file (xorriso's own way out of -check_media: it stops
reading, still prints the map of what it tested, and ends normally), so a cancelled scan
keeps a partial map. Quality words (man xorriso, -check_media, bad_limit=): "+ good",
"+ md5_match", "+ slow", "+ partial", "0 untested", "0 tao_end", "0 off_track",
"- unreadable", "- md5_mismatch" (shown as "0 md5_mismatch" with the default bad_limit),
"+ valid", "- invalid" (from sector maps).

The drive is acquired as -outdev with `use=outdev` where we may write: that does not load
the ISO tree, so a medium whose tree is damaged (the very reason to scan it) can still be
scanned; read-only images are opened with -indev.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from app.engine.address import parse_address, readable_only
from app.engine.detach import running_dir
from app.engine.journal import Journal
from app.engine.models import SECTOR
from app.engine.runner import RunResult
from app.engine.xorriso_job import CANCELLED, OperationResult, XorrisoJob

Quality = Literal["good", "slow", "unreadable", "untested"]
QUALITY_WORDS: dict[str, Quality] = {
    "good": "good", "md5_match": "good", "valid": "good",
    "slow": "slow", "partial": "slow",
    "untested": "untested", "tao_end": "untested", "off_track": "untested",
    "unreadable": "unreadable", "md5_mismatch": "unreadable", "invalid": "unreadable",
}  # fmt: skip
"""xorriso's quality words -> the four classes a disc map shows."""
_SIGN_CLASS: dict[str, Quality] = {"+": "good", "0": "untested", "-": "unreadable"}


@dataclass(frozen=True)
class Region:
    start: int
    """First block (2048 bytes)."""
    blocks: int
    quality: Quality
    word: str
    """xorriso's own word, e.g. "good", "partial", "tao_end", "md5_mismatch"."""

    @property
    def end(self) -> int:
        """One past the last block."""
        return self.start + self.blocks


@dataclass(frozen=True)
class Md5Range:
    """A range covered by a libisofs MD5 tag (a session, its superblock or tree)."""

    start: int
    blocks: int
    match: bool
    word: str
    """"md5_match" or "md5_mismatch"."""


@dataclass
class SurfaceMap:
    total_blocks: int
    regions: list[Region] = field(default_factory=list)
    md5_ranges: list[Md5Range] = field(default_factory=list)

    def blocks_by_quality(self) -> dict[Quality, int]:
        counts: dict[Quality, int] = {"good": 0, "slow": 0, "unreadable": 0, "untested": 0}
        for region in self.regions:
            counts[region.quality] += region.blocks
        return counts

    def bad_ranges(self) -> list[Region]:
        """Unreadable regions, plus MD5 ranges whose data did not match (word md5_mismatch)."""
        bad = [r for r in self.regions if r.quality == "unreadable"]
        bad += [
            Region(m.start, m.blocks, "unreadable", m.word) for m in self.md5_ranges if not m.match
        ]
        return sorted(bad, key=lambda r: (r.start, r.blocks))

    @property
    def all_good(self) -> bool:
        return (
            bool(self.regions)
            and not self.bad_ranges()
            and not any(r.quality in ("slow", "untested") for r in self.regions)
        )

    def summary_in_words(self) -> str:
        if not self.regions:
            return "nothing was scanned"
        counts = self.blocks_by_quality()
        size = _size(self.total_blocks * SECTOR)
        head = f"{self.total_blocks} blocks ({size})"
        parts = [
            f"{n} {quality} ({100.0 * n / max(1, self.total_blocks):.1f}%)"
            for quality, n in counts.items()
            if n
        ]
        words = (
            f"{head}: all good"
            if counts["good"] == self.total_blocks
            else f"{head}: " + ", ".join(parts)
        )
        unreadable = [r for r in self.regions if r.quality == "unreadable"]
        if unreadable:
            n = len(unreadable)
            first = unreadable[0]
            words += (
                f"; {n} unreadable range{'s' * (n != 1)}, the first at block {first.start} "
                f"({first.blocks} blocks)"
            )
        if self.md5_ranges:
            bad = [m for m in self.md5_ranges if not m.match]
            if bad:
                words += (
                    f"; MD5 mismatch in {len(bad)} of {len(self.md5_ranges)} checksum ranges "
                    f"(first: blocks {bad[0].start}-{bad[0].start + bad[0].blocks - 1})"
                )
            else:
                words += f"; MD5 matches in all {len(self.md5_ranges)} checksum ranges"
        return words


def _size(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"


_REGION = re.compile(r"^Media region\s*:\s*(\d+)\s*,\s*(\d+)\s*,\s*([-+0]+)\s*(\w+)")
_MD5 = re.compile(r"^MD5 tag range\s*:\s*(\d+)\s*,\s*(\d+)\s*,\s*([-+0]+)\s*(\w+)")
_BLOCKS_OF = re.compile(r"(\d+) of (\d+) blocks read")


def classify(sign: str, word: str) -> Quality:
    """Quality class of one xorriso quality (sign and word)."""
    return QUALITY_WORDS.get(word) or _SIGN_CLASS.get(sign[:1], "untested")


def parse_surface_map(text: str) -> SurfaceMap:
    """Pure: the -check_media report lines (with or without R:1: packet prefixes) -> map."""
    regions: list[Region] = []
    md5: list[Md5Range] = []
    total = 0
    for raw in text.splitlines():
        line = re.sub(r"^[RIM]:[01]: ?", "", raw)
        line = re.sub(r"^\S*xorriso\s*: UPDATE :\s*", "", line)
        if m := _REGION.match(line):
            start, blocks, sign, word = int(m[1]), int(m[2]), m[3], m[4]
            regions.append(Region(start, blocks, classify(sign, word), word))
        elif m := _MD5.match(line):
            start, blocks, word = int(m[1]), int(m[2]), m[4]
            md5.append(Md5Range(start, blocks, word == "md5_match", word))
        elif m := _BLOCKS_OF.search(line):
            total = max(total, int(m[2]))
    covered = max((r.end for r in regions), default=0)
    return SurfaceMap(total_blocks=covered if regions else total, regions=regions, md5_ranges=md5)


def blocks_tried(text: str) -> int:
    """Blocks a -check_media run read or tried to ("N of M blocks read" counts failed reads
    too; a run going on from a sector map counts only what it was missing); 0 when none."""
    return max((int(m[1]) for m in _BLOCKS_OF.finditer(text)), default=0)


def surface_commands(
    address: str,
    abort_file: str,
    *,
    min_lba: int | None = None,
    max_lba: int | None = None,
    time_limit: int | None = None,
    retry: bool | None = None,
) -> list[str]:
    """The -check_media run over the whole payload (what=disc), cancellable by abort_file."""
    parsed = parse_address(address)
    options = ["what=disc", f"abort_file={abort_file}"]
    if min_lba is not None:
        options.append(f"min_lba={int(min_lba)}")
    if max_lba is not None:
        options.append(f"max_lba={int(max_lba)}")
    if time_limit is not None:
        options.append(f"time_limit={int(time_limit)}")
    if retry is not None:
        options.append(f"retry={'on' if retry else 'off'}")
    if readable_only(parsed):
        return ["-md5", "on", "-indev", parsed.xorriso, "-check_media", *options, "--"]
    return ["-md5", "on", "-outdev", parsed.xorriso, "-check_media", "use=outdev", *options, "--"]


@dataclass
class SurfaceResult(OperationResult):
    """OperationResult of kind "surface", with the map (partial when cancelled)."""

    surface: SurfaceMap | None = None


class SurfaceScan(XorrisoJob):
    """One -check_media run; cancel touches its abort file, so the map so far is kept."""

    kind = "surface"
    first_phase = "verifying"
    verifies = False

    def __init__(
        self, argv: list[str], abort_file: str, *, journal_dir: Path | None = None,
        address: str | None = None,
    ) -> None:  # fmt: skip
        super().__init__(argv, journal_dir=journal_dir, address=address)
        self.abort_file = abort_file

    def cancel(self) -> None:
        """Touch the abort file: xorriso stops reading, reports what it tested, and ends."""
        with self._lock:
            self._cancelled = True
        self._touch()

    def _touch(self) -> None:
        with contextlib.suppress(OSError):
            Path(self.abort_file).parent.mkdir(mode=0o700, exist_ok=True)
            Path(self.abort_file).touch()
            now = time.time() + 1  # "not older than the run's start", even at 1 s resolution
            os.utime(self.abort_file, (now, now))

    def _observe(self, facts: None, text: str) -> None:
        if self._cancelled:
            self._touch()  # in case the scan had not started when cancel() came

    def _judge(self, rr: RunResult, facts: None, journal: Journal | None) -> SurfaceResult:
        surface = parse_surface_map(rr.text("R", "I"))
        if self._cancelled:
            outcome, message = "cancelled", CANCELLED
            if surface.regions:
                message += f"; tested so far: {surface.summary_in_words()}"
        elif surface.regions and rr.returncode in (0, 32):
            outcome, message = "ok", surface.summary_in_words()
        else:
            outcome = "failed"
            message = (
                rr.first_problem("SORRY") or f"xorriso stopped with exit status {rr.returncode}"
            )
        return SurfaceResult(
            kind="surface", outcome=outcome, message=message, argv=rr.argv,  # type: ignore[arg-type]
            returncode=rr.returncode, worst=rr.worst, surface=surface,
        )  # fmt: skip

    def _cleanup(self) -> None:
        shutil.rmtree(os.path.dirname(self.abort_file), ignore_errors=True)


def new_abort_file() -> str:
    """A path for a scan's abort file, in a folder of our private state dir made only when
    the scan is cancelled (a plan that is never run leaves nothing behind)."""
    return str(running_dir() / f"scan-{secrets.token_hex(8)}" / "abort")
