"""OperationScreen: a burn, checkread, blank, format or eject in progress, then its result.

The xorriso job runs in a thread worker. Gauge messages coalesce (only the newest is
drawn), while the full sample history and log tail are kept by the worker in lists the
screen reads when it redraws, so a slow terminal loses no history.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import humanize
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Digits, Footer, Header, Static

from app.engine.errors import EngineError
from app.engine.inspect import read_medium
from app.engine.journal import append_medium_state
from app.engine.operations import Operation, OperationResult
from app.engine.progress import Progress
from app.tui.messages import MediumReread, OperationError, OperationFinished, OperationProgress
from widgets.bar_gauge import BarGauge
from widgets.history_graph import HistoryGraph
from widgets.log_pane import LogPane

PHASE_WORDS = {
    "preparing": "Preparing",
    "writing": "Writing",
    "closing": "Closing session",
    "verifying": "Verifying (checkread)",
    "blanking": "Blanking",
    "formatting": "Formatting",
    "ejecting": "Ejecting",
    "extracting": "Extracting",
    "done": "Done",
}


HISTORY_EVERY = 3.0
"""Seconds between redraws of the history sparklines (the gauges update on every line)."""


@dataclass
class OperationPlan:
    """What to run: the main job, optionally a verify job after it succeeds."""

    title: str
    address: str
    start: Callable[[], Operation]
    verify: Callable[[], Operation] | None = None
    buffers: bool = False
    """Show the fifo and drive buffer gauges (they mean something only while writing)."""


def clock(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    seconds = max(int(seconds), 0)
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class OperationScreen(Screen):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("escape", "close", "Close"),
        Binding("enter", "close", "Close", show=False),
    ]

    def __init__(self, plan: OperationPlan, *, autostart: bool = True) -> None:
        super().__init__()
        self.plan = plan
        self.autostart = autostart
        """False only for snapshot tests that feed recorded progress themselves."""
        self.operation: Operation | None = None
        self.samples: list[tuple[float | None, float | None]] = []
        self.results: list[OperationResult] = []
        self.finished = False
        self.cancel_requested = False
        self.peak_speed = 1.0
        self.history_drawn = 0.0
        self.started = time.monotonic()

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="op-box") as box:
            box.border_title = self.plan.title
            with Horizontal(id="op-big"):
                yield Digits("0%", id="op-percent")
                with Vertical(id="op-phase-box"):
                    yield Static("Starting…", id="op-phase")
                    yield Static("", id="op-sectors")
                yield Digits("--:--", id="op-eta")
            yield BarGauge("fifo", id="gauge-fifo")
            yield BarGauge("buffer", id="gauge-buffer")
            yield BarGauge("speed", id="gauge-speed", unit="x")
            yield HistoryGraph(id="op-history")
            yield Static("", id="op-raw")
        yield Static("", id="op-result")
        yield LogPane(id="op-log")
        yield Footer()

    def on_mount(self) -> None:
        for gauge in ("#gauge-fifo", "#gauge-buffer"):
            self.query_one(gauge).display = self.plan.buffers
        if self.autostart:
            self.run_plan()

    # -- worker --------------------------------------------------------------------------

    def _run_one(self, start: Callable[[], Operation]) -> OperationResult | None:
        operation = start()
        self.operation = operation
        if self.cancel_requested:
            operation.cancel()
        for progress in operation.events():
            self.samples.append((progress.speed, progress.buffer))
            self.post_message(OperationProgress(progress))
        result = operation.result
        if result is not None:
            self.post_message(OperationFinished(result))
        return result

    @work(thread=True, exclusive=True, group="operation")
    def run_plan(self) -> None:
        done: list[OperationResult] = []
        try:
            result = self._run_one(self.plan.start)
            done += [result] if result is not None else []
            if (
                result is not None
                and result.outcome == "ok"
                and self.plan.verify is not None
                and not self.cancel_requested
            ):
                verified = self._run_one(self.plan.verify)
                done += [verified] if verified is not None else []
        except EngineError as exc:
            self.post_message(OperationError(str(exc)))
        journals = [r.journal for r in done if getattr(r, "journal", None)]
        try:
            report = read_medium(self.plan.address)
        except EngineError as exc:
            for path in journals:
                append_medium_state(path, f"could not be re-read: {exc}")
            self.post_message(MediumReread(None, str(exc)))
            return
        media = report.toc.media
        for path in journals:
            append_medium_state(
                path, f"{media.status}, {media.sessions_count} session(s), nwa {media.nwa}"
            )
        self.post_message(MediumReread(report))

    # -- updates -------------------------------------------------------------------------

    def on_operation_progress(self, message: OperationProgress) -> None:
        progress: Progress = message.progress  # type: ignore[assignment]
        # layout=False: these lines keep their size, so no relayout of the screen per update.
        self.query_one("#op-phase", Static).update(
            Text(PHASE_WORDS.get(progress.phase, progress.phase), style="bold"), layout=False
        )
        if progress.percent is not None:
            self.query_one("#op-percent", Digits).update(f"{progress.percent:.0f}%")
        self.query_one("#op-eta", Digits).update(clock(progress.eta_s))
        # Keep the last known figures when a line carries none (phase changes, the end).
        if progress.fifo is not None:
            self.query_one("#gauge-fifo", BarGauge).value = progress.fifo
        if progress.buffer is not None:
            self.query_one("#gauge-buffer", BarGauge).value = progress.buffer
        speed_gauge = self.query_one("#gauge-speed", BarGauge)
        if progress.speed is not None:
            self.peak_speed = max(self.peak_speed, progress.speed)
            speed_gauge.maximum = self.peak_speed
            rate = (
                f" {humanize.naturalsize(progress.bytes_per_s)}/s" if progress.bytes_per_s else ""
            )
            speed_gauge.caption = f"{progress.speed:.1f}{progress.speed_unit or 'x'}{rate}"
            speed_gauge.value = progress.speed
        self.query_one("#op-sectors", Static).update(self._counts(progress), layout=False)
        now = time.monotonic()
        if now - self.history_drawn >= HISTORY_EVERY or progress.phase == "done":
            # The sparklines are the costliest part of a redraw: a few times a minute is plenty.
            self.history_drawn = now
            self.query_one(HistoryGraph).redraw(self.samples)
        if progress.line:
            # xorriso's own words, one line: the gauges already show its figures, and a
            # scrolling log of them cost a quarter of the screen's CPU during a burn.
            words = " ".join(progress.line.split())  # xorriso pads its columns with runs of blanks
            self.query_one("#op-raw", Static).update(Text(words), layout=False)

    @staticmethod
    def _counts(progress: Progress) -> str:
        parts = []
        if progress.sectors is not None:
            total = f" of {progress.total_sectors:,}" if progress.total_sectors else ""
            parts.append(f"{progress.sectors:,}{total} sectors")
        if progress.bytes_done is not None:
            parts.append(f"{humanize.naturalsize(progress.bytes_done, binary=True)} read")
        if progress.elapsed:
            parts.append(f"elapsed {clock(progress.elapsed)}")
        return " · ".join(parts)

    def on_operation_finished(self, message: OperationFinished) -> None:
        result: OperationResult = message.result  # type: ignore[assignment]
        self.results.append(result)
        surface = getattr(result, "surface", None)
        if surface is not None:
            from widgets.surface_map_view import SurfaceMapView

            # The map replaces the gauges' history: for a scan it is the result.
            self.query_one(HistoryGraph).display = False
            self.query_one("#op-box").mount(SurfaceMapView(surface, id="surface-map"))
        if result.outcome == "ok" and result.kind in ("burn", "check"):
            self.query_one("#op-percent", Digits).update("100%")
        self.query_one("#op-eta", Digits).update("0:00" if result.outcome == "ok" else "--:--")
        self._show_result()

    def on_operation_error(self, message: OperationError) -> None:
        self.query_one(LogPane).note(message.reason, level="error")
        self.query_one("#op-result", Static).update(Text(f"✗ {message.reason}", style="bold red"))

    def _show_result(self) -> None:
        text = Text()
        for result in self.results:
            mark, style = {
                "ok": ("✓", "bold green"),
                "failed": ("✗", "bold red"),
                "cancelled": ("■", "bold yellow"),
            }[result.outcome]
            text.append(f"{mark} {result.kind}: {result.message}\n", style=style)
            for path in result.mismatches[:5]:
                text.append(f"   MD5 mismatch: {path}\n", style="red")
            if len(result.mismatches) > 5:
                text.append(f"   … and {len(result.mismatches) - 5} more\n", style="red")
            label = "refused or renamed" if result.kind == "extract" else "not readable"
            for path in result.unreadable[:5]:
                text.append(f"   {label}: {path}\n", style="red")
        self.query_one("#op-result", Static).update(text)
        for result in self.results[-1:]:
            level = "info" if result.outcome == "ok" else "error"
            self.query_one(LogPane).note(
                f"{result.kind}: {result.outcome} — {result.message}", level=level
            )

    def on_medium_reread(self, message: MediumReread) -> None:
        self.finished = True
        self.refresh_bindings()  # esc now closes, and the footer says so
        for gauge in self.query(BarGauge):
            if gauge.value is None:  # over before xorriso's first report: nothing to show
                gauge.caption = "–"
        self.app.report = message.report
        self.app.media_changed = True
        log = self.query_one(LogPane)
        if message.report is None:
            log.note(f"re-reading the medium failed: {message.reason}", level="error")
        else:
            media = message.report.toc.media
            log.note(
                f"medium now: {media.status}, {media.sessions_count} session(s) — "
                "press enter to go back"
            )
        self.sub_title = "finished — enter or esc to go back"
        self.app.notify("Operation finished", timeout=3)

    # -- actions -------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Esc cancels while the job runs and closes once it has finished."""
        if action == "cancel":
            return not self.finished
        if action == "close":
            return self.finished
        return True

    def action_cancel(self) -> None:
        from app.tui.screens.confirm_screen import ConfirmScreen

        def answer(yes: bool | None) -> None:
            if yes:
                self.cancel_requested = True
                if self.operation is not None:
                    self.operation.cancel()
                self.query_one(LogPane).note("cancelling… xorriso stops in a second or two")

        self.app.push_screen(
            ConfirmScreen(
                "Cancel?",
                [
                    f"Stop {self.plan.title.lower()}?",
                    "On write-once media a cancelled session may leave the disc unusable;",
                    "the medium's true state is re-read and shown afterwards.",
                ],
                yes_label="Cancel it",
                danger=True,
            ),
            answer,
        )

    def action_close(self) -> None:
        if self.finished:
            self.dismiss(self.results)
