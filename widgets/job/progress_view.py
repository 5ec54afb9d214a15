"""JobProgressView: everything a running job shows — percent, phase, counts, ETA, the fifo,
drive buffer and speed gauges, their history, xorriso's latest line — fed by one
`update(progress)`.

The worker keeps the full sample history in a list shared with this widget, so the
coalesced progress messages (only the newest is drawn) lose no history.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Sequence
from dataclasses import replace

import humanize
from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import Digits, Static

from app.engine.progress import Progress
from widgets.job.bar_gauge import BarGauge
from widgets.job.history_graph import HistoryGraph
from widgets.job.latest_lines import LatestLines

PHASE_WORDS = {
    "preparing": "Preparing",
    "writing": "Writing",
    "closing": "Closing session",
    "verifying": "Verifying (checkread)",
    "reading": "Reading",
    "waiting": "Waiting for a blank medium",
    "blanking": "Blanking",
    "formatting": "Formatting",
    "ejecting": "Ejecting",
    "extracting": "Extracting",
    "augmenting": "Adding error correction",
    "repairing": "Repairing",
    "done": "Done",
}
RAW_LINES = 6
"""xorriso's latest lines kept for the rows the screen has to spare."""
FIFO_STARVED = 5.0
"""Seconds of an empty fifo while writing before the screen says the source is too slow."""
REPAINT_EVERY = 2.0
"""Seconds between repaints of the figures while a phase runs. xorriso reports every second;
repainting every other report halves the bytes sent to the terminal (bench/terminal_bytes.py:
the goal is 1 KB/s, for a burn watched over a slow ssh link or a 9600-baud console)."""
DUE_AFTER = REPAINT_EVERY - 0.3
"""xorriso's lines come 0.9-1.1 s apart: a little slack keeps repaints every other line."""
FLUSH_AFTER = 1.5
"""Seconds a line not yet shown waits for the next one (due 1 s later) before it is shown
on its own: a figure is at most this late, and the screen is never quieter than
REPAINT_EVERY while xorriso reports."""
SLOW_EVERY = 3
"""Repaints between redraws of the history bars and, offset, of xorriso's lines (~6 s)."""
CARRIED = ("percent", "sectors", "total_sectors", "fifo", "buffer", "speed", "speed_unit",
           "bytes_per_s", "bytes_done")  # fmt: skip
"""The figures that keep their last value when a line does not carry them."""

Sample = tuple[float | None, float | None]
"""(speed, drive buffer) of one progress event."""


def carry(older: Progress, newer: Progress) -> Progress:
    """`newer`, with the figures it lacks taken from an `older` line that was not shown."""
    kept = {name: getattr(older, name) for name in CARRIED if getattr(newer, name) is None}
    return replace(newer, **kept) if kept else newer


def width(content: Text | str) -> int:
    return content.cell_len if isinstance(content, Text) else cell_len(content)


def clock(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    seconds = max(int(seconds), 0)
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def fitting(parts: list[str], room: int) -> str:
    """The counts line in the longest form that fits `room` columns: at 60 columns
    "19,584 of 58,944 sectors · elapsed 0:03" was cut to "… sectors · ela"."""
    full = " · ".join(parts)
    short = [part.removesuffix(" sectors") for part in parts]
    forms = [full, " · ".join(short), " · ".join(p.replace(" of ", "/").removeprefix("elapsed ") for p in short)]
    return next((form for form in forms if cell_len(form) <= room), forms[-1])


class JobProgressView(Vertical):
    DEFAULT_CSS = """
    JobProgressView { height: 1fr; }
    JobProgressView #op-raw { height: 1fr; min-height: 1; color: $text-muted; }
    JobProgressView #op-eta-label { text-align: right; color: $text-muted; }
    JobProgressView #op-phase, JobProgressView #op-sectors { width: auto; }
    """

    def __init__(
        self, samples: list[Sample], *, buffers: bool = False, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.samples = samples
        self.buffers = buffers
        """Show the fifo and drive buffer gauges (they mean something only while writing)."""
        self.peak_speed = 1.0
        self.pending: Progress | None = None
        """The newest figures not shown yet."""
        self.painted: tuple[str | None, float] = (None, 0.0)
        """The phase and the job's clock (Progress.elapsed) of the last repaint."""
        self.painted_wall = 0.0
        self.flush: Timer | None = None
        self.paints = 0
        self.started: float | None = None
        """When this view saw the job's first event: its own clock for the elapsed time."""
        self.sectors_text = ""
        self.counted_phase: str | None = None
        self.lines: deque[str] = deque(maxlen=RAW_LINES)
        self.fifo_empty_since: float | None = None
        self.shown: dict[str, Text | str] = {}
        """What each Static shows now."""

    def compose(self) -> ComposeResult:
        with Horizontal(id="op-big"):
            yield Digits("0%", id="op-percent")
            with Vertical(id="op-phase-box"):
                yield Static("Starting…", id="op-phase")
                yield Static("", id="op-sectors")
                yield Static("time left", id="op-eta-label")
            yield Digits("--:--", id="op-eta")
        yield BarGauge("fifo", id="gauge-fifo")
        yield BarGauge("buffer", id="gauge-buffer")
        yield BarGauge("speed", id="gauge-speed", unit="x")
        yield HistoryGraph(id="op-history")
        yield LatestLines(id="op-raw")

    def on_mount(self) -> None:
        for gauge in ("#gauge-fifo", "#gauge-buffer"):
            self.query_one(gauge).display = self.buffers

    def update(self, progress: Progress) -> None:
        """Take `progress`; it is shown at once when due, else within REPAINT_EVERY seconds.

        A figure a line does not carry keeps its last value."""
        self._take(progress, time.monotonic())
        if self._due(progress):
            self.paint()
        elif self.flush is None:  # shown with the next line, or by this timer if none comes
            self.flush = self.set_timer(FLUSH_AFTER, self.paint)

    def replay(self, events: Sequence[Progress], ran_for: float) -> None:
        """A screen opened after its job began (hidden and reopened, or finished): the job's
        kept progress, shown as it was — each phase's last figures painted in turn, so the
        gauges, percent, peak speed and xorriso's last lines come back — in a few paints,
        not one per event. `ran_for`: seconds the job has run, for the elapsed time."""
        now = time.monotonic()
        self.started = now - ran_for
        for progress in events:
            if self.pending is not None and progress.phase != self.pending.phase:
                self.paint()
            self._take(progress, now)
        self.paint()

    def _take(self, progress: Progress, now: float) -> None:
        """Note an event's figures (the peak speed, xorriso's line, the fifo) for the next paint."""
        self.started = self.started if self.started is not None else now - progress.elapsed
        self._note_fifo(progress, now)
        if progress.speed is not None:
            self.peak_speed = max(self.peak_speed, progress.speed)
        if progress.line:
            # xorriso's own words, its latest lines: the gauges already show its figures.
            self.lines.append(" ".join(progress.line.split()))  # xorriso pads with blanks
        self.pending = progress if self.pending is None else carry(self.pending, progress)

    def _due(self, progress: Progress) -> bool:
        """A new phase (and the end) at once; otherwise one repaint per REPAINT_EVERY of the
        job's own clock, so a replayed run (the snapshot tests) repaints the same way."""
        phase, at = self.painted
        since = progress.elapsed - at
        return progress.phase != phase or progress.phase == "done" or not 0 <= since < DUE_AFTER

    def paint(self) -> None:
        """Show the newest figures: every figure repainted costs bytes on the user's link."""
        if self.flush is not None:
            self.flush.stop()
            self.flush = None
        progress, self.pending = self.pending, None
        if progress is None:
            return
        now = time.monotonic()
        new_phase = progress.phase != self.painted[0] or progress.phase == "done"
        self.painted, self.painted_wall = (progress.phase, progress.elapsed), now
        elapsed = max(progress.elapsed, now - (self.started or now))
        self._static("#op-phase", self._phase(progress, now))
        if progress.percent is not None:
            self._digits("#op-percent", f"{progress.percent:.0f}%")
        eta = progress.eta_s
        if progress.phase == "done":
            eta = 0 if progress.percent == 100.0 else None
        self._digits("#op-eta", clock(eta))
        self._gauges(progress)
        if progress.phase == "done":
            for gauge in self.query(BarGauge):
                if gauge.value is None:  # over before xorriso's first report: nothing to show
                    gauge.caption = "–"
        self._static("#op-sectors", self._counts(progress, elapsed))
        self._slow_parts(new_phase)

    def _slow_parts(self, now_all: bool) -> None:
        """The history bars and xorriso's lines fill whole rows: each is repainted every
        SLOW_EVERY repaints, on different repaints, so no second carries both."""
        self.paints = 0 if now_all else self.paints
        turn = self.paints % SLOW_EVERY
        self.paints += 1
        if now_all or turn == 0:
            self.query_one(HistoryGraph).redraw(self.samples)
        if now_all or turn == SLOW_EVERY - 1:
            self.query_one(LatestLines).show(list(self.lines))

    def _static(self, selector: str, content: Text | str) -> None:
        """Repaint a line only when its text changed: every repaint is bytes on the wire."""
        before = self.shown.get(selector)
        if before != content:
            self.shown[selector] = content
            # Width auto (no blank tail to send): a relayout only when the width changes.
            resized = before is None or width(before) != width(content)
            self.query_one(selector, Static).update(content, layout=resized)

    def _digits(self, selector: str, value: str) -> None:
        digits = self.query_one(selector, Digits)
        if digits.value != value:  # Digits repaints (three rows) even for the same value
            digits.update(value)

    def _note_fifo(self, progress: Progress, now: float) -> None:
        """Every line counts here, painted or not: one full fifo ends a starving spell."""
        if not (progress.phase == "writing" and progress.fifo == 0):
            self.fifo_empty_since = None
        elif self.fifo_empty_since is None:
            self.fifo_empty_since = now

    def _phase(self, progress: Progress, now: float) -> Text:
        """The phase in words; while writing, a fifo that stays empty is said aloud."""
        text = Text(PHASE_WORDS.get(progress.phase, progress.phase), style="bold")
        since = self.fifo_empty_since
        if progress.phase == "writing" and since is not None and now - since >= FIFO_STARVED:
            text.append(" — fifo empty: the source cannot keep up", style="yellow")
        return text

    def _gauges(self, progress: Progress) -> None:
        for name, value in (("fifo", progress.fifo), ("buffer", progress.buffer)):
            if value is not None:
                gauge = self.query_one(f"#gauge-{name}", BarGauge)
                gauge.caption, gauge.value = "", value
        if progress.speed is not None:
            speed_gauge = self.query_one("#gauge-speed", BarGauge)
            speed_gauge.maximum = self.peak_speed
            rate = (
                f" {humanize.naturalsize(progress.bytes_per_s)}/s" if progress.bytes_per_s else ""
            )
            speed_gauge.caption = f"{progress.speed:.1f}{progress.speed_unit or 'x'}{rate}"
            speed_gauge.value = progress.speed

    def _counts(self, progress: Progress, elapsed: float) -> str:
        parts = []
        if progress.phase not in (self.counted_phase, "done"):
            self.counted_phase, self.sectors_text = progress.phase, ""  # a new job's own counts
        if progress.sectors is not None:
            total = f" of {progress.total_sectors:,}" if progress.total_sectors else ""
            self.sectors_text = f"{progress.sectors:,}{total} sectors"
        elif progress.bytes_done is not None:
            read = humanize.naturalsize(progress.bytes_done, binary=True)
            self.sectors_text = f"{read} read"
        if self.sectors_text:
            parts.append(self.sectors_text)
        parts.append(f"elapsed {clock(elapsed)}")
        return fitting(parts, self.query_one("#op-phase-box").content_size.width)
