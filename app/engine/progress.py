"""Progress of a long xorriso job, read from its pacifier lines.

`parse_progress_line` is pure: one line in, one `Progress` (or None) out, with exactly the
figures xorriso printed. `ProgressTracker` adds what needs memory across lines: the total
from `-print_size`, wall-clock elapsed time, a rate and an ETA that stay sane when
xorriso's percentage is flat for a long time and then jumps (real DVD-RW blanking).
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, replace
from typing import Literal

from app.engine.models import SECTOR
from app.engine.parse import parse_size

Phase = Literal[
    "preparing", "writing", "closing", "verifying", "blanking", "formatting", "ejecting", "done",
    "reading", "waiting", "augmenting", "repairing",
]

SPEED_BASE = {"xC": 153_600, "xD": 1_385_000, "xB": 4_495_625}
"""Bytes per second of "1x" for each speed unit xorriso prints (CD, DVD and stdio, BD)."""


@dataclass
class Progress:
    phase: Phase
    percent: float | None = None
    sectors: int | None = None
    """Sectors written, or blocks read."""
    total_sectors: int | None = None
    fifo: int | None = None
    """Percent."""
    buffer: int | None = None
    """Drive buffer percent."""
    speed: float | None = None
    """Factor, e.g. 16.0."""
    speed_unit: str | None = None
    """"xD" | "xC" | "xB"."""
    bytes_per_s: float | None = None
    bytes_done: int | None = None
    """check: content bytes read."""
    elapsed: float = 0.0
    """Seconds since the operation started (the parser gives xorriso's own count)."""
    eta_s: float | None = None
    line: str = ""
    """The xorriso line this came from."""


_PREFIX = re.compile(r"^\S*xorriso\s*: UPDATE :\s?")
_SPEED = r"([\d.]+)(x[CDB])"
_WRITING = re.compile(
    r"^Writing:\s+(\d+)s\s+(?:([\d.]+)%|\S+)\s+fifo\s+(\d+)%\s+buf\s+(\d+)%(?:\s+" + _SPEED + r")?"
)
_CDRECORD = re.compile(
    r"^\s*(\d+)(?: of\s+(\d+))? MB written(?: \(fifo\s+(\d+)%\))?(?: \[buf\s+(\d+)%\])?"
    r"(?:\s+([\d.]+)x\.?)?"
)
"""`-as cdrecord`'s pacifier (image writes): "   7 of   30 MB written (fifo 99%) [buf  50%]   4.2x."
(MB are MiB: 30 MB for a 30.4 MiB image). The first line of a write has no fifo figure yet:
"   0 of    5 MB written [buf  50%]" (the MMC lab, tests/fixtures/lab-write-tao.txt)."""
_PATIENT = re.compile(r"^Thank you for being patient\. Working since (\d+) seconds")
_CLOSING = re.compile(r"^Closing track/session\. Working since (\d+) seconds")
_BLANK_FORMAT = re.compile(
    r"^(Blanking|Formatting)\s+\(\s*(?:([\d.]+)% done in|synchronously since)\s+(\d+) seconds"
)
_CONTENT = re.compile(
    r"^\s*([\d.]+[kmgt]?)\s+content bytes read in ([\d.]+) seconds(?:\s*[,=]\s*" + _SPEED + r")?"
)
_BLOCKS = re.compile(
    r"^\s*(\d+)(?: of (\d+))? blocks read in ([\d.]+) s(?:econds)?(?:\s*[,=]\s*" + _SPEED + r")?"
)
"""Seconds have a decimal under `-pacifier interval=0.2` ("25184 of 73472 blocks read in 0.1 s")."""
_IMAGE_SIZE = re.compile(r"^Image size\s*:\s*(\d+)s")
_DATA_BLOCKS = re.compile(r"^Media summary:\s*\d+ sessions?, (\d+) data blocks")


def _rate(speed: str | None, unit: str | None) -> tuple[float | None, str | None, float | None]:
    if speed is None or unit is None:
        return None, None, None
    factor = float(speed)
    return factor, unit, factor * SPEED_BASE[unit]


def _cdrecord_progress(match: re.Match[str], line: str) -> Progress:
    written, total, fifo, buf, speed = match.groups()
    sectors = int(written) * 512
    total_sectors = int(total) * 512 if total else None
    return Progress(
        "writing",
        percent=min(100.0, 100.0 * sectors / total_sectors) if total_sectors else None,
        sectors=sectors,
        total_sectors=total_sectors,
        fifo=int(fifo) if fifo is not None else None,
        buffer=int(buf) if buf is not None else None,
        speed=float(speed) if speed is not None else None,
        speed_unit="x" if speed is not None else None,
        line=line,
    )


def parse_progress_line(line: str) -> Progress | None:
    """One plain output line (with or without the `xorriso : UPDATE :` prefix)."""
    text = _PREFIX.sub("", line, count=1)
    if match := _WRITING.match(text):
        sectors, percent, fifo, buf, speed, unit = match.groups()
        factor, unit, bps = _rate(speed, unit)
        return Progress(
            "writing",
            percent=float(percent) if percent is not None else None,
            sectors=int(sectors),
            fifo=int(fifo),
            buffer=int(buf),
            speed=factor,
            speed_unit=unit,
            bytes_per_s=bps,
            line=line,
        )
    if match := _CDRECORD.match(text):
        return _cdrecord_progress(match, line)
    if match := _PATIENT.match(text):
        return Progress("preparing", elapsed=float(match.group(1)), line=line)
    if match := _CLOSING.match(text):
        return Progress("closing", elapsed=float(match.group(1)), line=line)
    if match := _BLANK_FORMAT.match(text):
        what, percent, seconds = match.groups()
        phase: Phase = "blanking" if what == "Blanking" else "formatting"
        return Progress(
            phase,
            percent=float(percent) if percent is not None else None,
            elapsed=float(seconds),
            line=line,
        )
    if match := _CONTENT.match(text):
        done, seconds, speed, unit = match.groups()
        factor, unit, bps = _rate(speed, unit)
        return Progress(
            "verifying",
            bytes_done=parse_size(done),
            speed=factor,
            speed_unit=unit,
            bytes_per_s=bps,
            elapsed=float(seconds),
            line=line,
        )
    if match := _BLOCKS.match(text):
        blocks, total, seconds, speed, unit = match.groups()
        factor, unit, bps = _rate(speed, unit)
        total_n = int(total) if total else None
        return Progress(
            "verifying",
            percent=100.0 * int(blocks) / total_n if total_n else None,
            sectors=int(blocks),
            total_sectors=total_n,
            speed=factor,
            speed_unit=unit,
            bytes_per_s=bps,
            elapsed=float(seconds),
            line=line,
        )
    return None


ETA_WINDOW = 30.0
"""Seconds of samples the rate is measured over: long enough to smooth stdio's jumps."""
ETA_MAX = 7 * 24 * 3600.0
"""An ETA beyond a week means "unknown", not a number to show."""


class ProgressTracker:
    """Turn a stream of lines into Progress with totals, elapsed time, rate and ETA."""

    def __init__(self, started: float | None = None) -> None:
        self.started = started
        self.total_sectors: int | None = None
        self.data_blocks: int | None = None
        self._phase: Phase | None = None
        self._samples: deque[tuple[float, float]] = deque()
        self._amounts: deque[tuple[float, int]] = deque()

    def feed(self, line: str, now: float) -> Progress | None:
        """Note totals from result lines; return the enriched Progress of a pacifier line."""
        if self.started is None:
            self.started = now
        text = _PREFIX.sub("", line, count=1)
        if match := _IMAGE_SIZE.match(text):
            self.total_sectors = int(match.group(1))
            return None
        if match := _DATA_BLOCKS.match(text):
            self.data_blocks = int(match.group(1))
            return None
        progress = parse_progress_line(line)
        if progress is None:
            return None
        return self.enrich(progress, now)

    def enrich(self, progress: Progress, now: float) -> Progress:
        """Fill what one line cannot know; also used for phase-only events."""
        if self.started is None:
            self.started = now
        p = replace(progress, elapsed=max(0.0, now - self.started))
        if p.phase != self._phase:
            self._phase = p.phase
            self._samples.clear()
            self._amounts.clear()
        if p.phase == "writing":
            if not p.total_sectors and self.total_sectors:  # "0 of 0 MB": not known yet
                p.total_sectors = self.total_sectors
            if p.percent is None and p.sectors is not None and p.total_sectors:
                p.percent = min(100.0, 100.0 * p.sectors / p.total_sectors)
        if p.phase == "verifying" and p.bytes_done is not None and self.data_blocks:
            # An estimate: the checked content is a little less than the data blocks.
            p.total_sectors = self.data_blocks
            if p.percent is None:
                p.percent = min(99.9, 100.0 * p.bytes_done / (self.data_blocks * SECTOR))
        amount = p.bytes_done if p.bytes_done is not None else None
        if amount is None and p.sectors is not None:
            amount = p.sectors * SECTOR
        if amount is not None:
            if p.bytes_per_s is None:
                p.bytes_per_s = self._amount_rate(now, amount)
            else:
                self._amount_rate(now, amount)
        if p.percent is not None:
            p.eta_s = self._eta(now, max(0.0, min(100.0, p.percent)) / 100.0)
        return p

    def _amount_rate(self, now: float, amount: int) -> float | None:
        samples = self._amounts
        if samples and amount < samples[-1][1]:
            samples.clear()
        samples.append((now, amount))
        while len(samples) > 2 and now - samples[0][0] > ETA_WINDOW:
            samples.popleft()
        (t0, a0), (t1, a1) = samples[0], samples[-1]
        return (a1 - a0) / (t1 - t0) if t1 - t0 >= 0.5 else None

    def _eta(self, now: float, fraction: float) -> float | None:
        """Seconds left from the slope of the last ETA_WINDOW seconds; None while unknown."""
        if fraction >= 1.0:
            return 0.0
        samples = self._samples
        if samples and fraction < samples[-1][1]:
            samples.clear()  # went backwards: a new count started, old slope is meaningless
        samples.append((now, fraction))
        while len(samples) > 2 and now - samples[0][0] > ETA_WINDOW:
            samples.popleft()
        (t0, f0), (t1, f1) = samples[0], samples[-1]
        if t1 - t0 < 1.0 or f1 <= f0:
            return None
        eta = (1.0 - fraction) * (t1 - t0) / (f1 - f0)
        return eta if 0.0 <= eta <= ETA_MAX else None
