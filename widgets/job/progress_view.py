"""JobProgressView: everything a running job shows — percent, phase, counts, ETA, the fifo,
drive buffer and speed gauges, their history, xorriso's latest line — fed by one
`update(progress)`.

The worker keeps the full sample history in a list shared with this widget, so the
coalesced progress messages (only the newest is drawn) lose no history.
"""

from __future__ import annotations

import time
from collections import deque

import humanize
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Digits, Static

from app.engine.progress import Progress
from widgets.job.bar_gauge import BarGauge
from widgets.job.history_graph import HistoryGraph

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
    "done": "Done",
}
RAW_LINES = 6
"""xorriso's latest lines kept for the rows the screen has to spare."""
FIFO_STARVED = 5.0
"""Seconds of an empty fifo while writing before the screen says the source is too slow."""
HISTORY_EVERY = 3.0
"""Seconds between redraws of the history sparklines (the gauges update on every line)."""

Sample = tuple[float | None, float | None]
"""(speed, drive buffer) of one progress event."""


def clock(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    seconds = max(int(seconds), 0)
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class JobProgressView(Vertical):
    DEFAULT_CSS = """
    JobProgressView { height: 1fr; }
    JobProgressView #op-raw { height: 1fr; min-height: 1; color: $text-muted; }
    JobProgressView #op-eta-label { text-align: right; color: $text-muted; }
    """

    def __init__(
        self, samples: list[Sample], *, buffers: bool = False, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.samples = samples
        self.buffers = buffers
        """Show the fifo and drive buffer gauges (they mean something only while writing)."""
        self.peak_speed = 1.0
        self.history_drawn = 0.0
        self.started: float | None = None
        """When this view saw the job's first event: its own clock for the elapsed time."""
        self.sectors_text = ""
        self.counted_phase: str | None = None
        self.lines: deque[str] = deque(maxlen=RAW_LINES)
        self.fifo_empty_since: float | None = None

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
        yield Static("", id="op-raw")

    def on_mount(self) -> None:
        for gauge in ("#gauge-fifo", "#gauge-buffer"):
            self.query_one(gauge).display = self.buffers

    def update(self, progress: Progress) -> None:
        """Show `progress`; a figure a line does not carry keeps its last value."""
        now = time.monotonic()
        self.started = self.started if self.started is not None else now - progress.elapsed
        elapsed = max(progress.elapsed, now - self.started)
        # layout=False: these lines keep their size, so no relayout of the screen per update.
        self.query_one("#op-phase", Static).update(self._phase(progress, now), layout=False)
        if progress.percent is not None:
            self.query_one("#op-percent", Digits).update(f"{progress.percent:.0f}%")
        eta = progress.eta_s
        if progress.phase == "done":
            eta = 0 if progress.percent == 100.0 else None
        self.query_one("#op-eta", Digits).update(clock(eta))
        self._gauges(progress)
        if progress.phase == "done":
            for gauge in self.query(BarGauge):
                if gauge.value is None:  # over before xorriso's first report: nothing to show
                    gauge.caption = "–"
        self.query_one("#op-sectors", Static).update(self._counts(progress, elapsed), layout=False)
        if now - self.history_drawn >= HISTORY_EVERY or progress.phase == "done":
            # The bars are the costliest part of a redraw: a few times a minute is plenty.
            self.history_drawn = now
            self.query_one(HistoryGraph).redraw(self.samples)
        if progress.line:
            # xorriso's own words, its latest lines: the gauges already show its figures,
            # and a scrolling log of them cost a quarter of the screen's CPU during a burn.
            self.lines.append(" ".join(progress.line.split()))  # xorriso pads with blanks
            raw = self.query_one("#op-raw", Static)
            latest = list(self.lines)[-max(raw.size.height, 1) :]  # the newest at the bottom
            raw.update(Text("\n".join(latest)), layout=False)

    def _phase(self, progress: Progress, now: float) -> Text:
        """The phase in words; while writing, a fifo that stays empty is said aloud."""
        text = Text(PHASE_WORDS.get(progress.phase, progress.phase), style="bold")
        starving = progress.phase == "writing" and progress.fifo == 0
        if not starving:
            self.fifo_empty_since = None
        elif self.fifo_empty_since is None:
            self.fifo_empty_since = now
        if starving and now - (self.fifo_empty_since or now) >= FIFO_STARVED:
            text.append(" — fifo empty: the source cannot keep up", style="yellow")
        return text

    def _gauges(self, progress: Progress) -> None:
        for name, value in (("fifo", progress.fifo), ("buffer", progress.buffer)):
            if value is not None:
                gauge = self.query_one(f"#gauge-{name}", BarGauge)
                gauge.caption, gauge.value = "", value
        if progress.speed is not None:
            speed_gauge = self.query_one("#gauge-speed", BarGauge)
            self.peak_speed = max(self.peak_speed, progress.speed)
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
        return " · ".join(parts)
