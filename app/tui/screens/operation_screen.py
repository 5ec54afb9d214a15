"""OperationScreen: a Plan carried out — its job's gauges while it runs, then the result.

The job runs in the app's job registry (app.jobs.registry), in an app-level worker that
calls the one finish step; this screen only watches it (as typed messages) and can be
left while the job goes on.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from app.engine.progress import Progress
from app.jobs.finish import Finished
from app.jobs.job import Job, JobResult
from app.jobs.plan import Plan
from app.jobs.registry import RunningJob
from app.tui.messages import (
    JobFailedToStart,
    JobFinished,
    JobNote,
    JobProgress,
    JobReplay,
    PlanFinished,
)  # fmt: skip
from app.tui.screens.confirm_screen import ConfirmScreen
from widgets.job.progress_view import JobProgressView, Sample
from widgets.job.surface_map_view import SurfaceMapView
from widgets.log_pane import LogPane

MARKS = {"ok": ("✓", "bold green"), "failed": ("✗", "bold red"), "cancelled": ("■", "bold yellow")}


class ScreenListener:
    """Hands a RunningJob's events to its screen as messages (post_message is thread-safe)."""

    def __init__(self, screen: OperationScreen) -> None:
        self.screen = screen

    def started(self, job: Job) -> None:
        pass  # the screen asks its RunningJob for the job when it needs it

    def progress(self, progress: Progress) -> None:
        self.screen.post_message(JobProgress(progress))

    def replay(self, events: list[Progress], ran_for: float) -> None:
        self.screen.post_message(JobReplay(events, ran_for))

    def result(self, result: JobResult) -> None:
        self.screen.post_message(JobFinished(result))

    def note(self, text: str) -> None:
        self.screen.post_message(JobNote(text))

    def finished(self, done: Finished) -> None:
        if done.error is not None and not done.results:
            self.screen.post_message(JobFailedToStart(done.error))
        self.screen.post_message(PlanFinished(done))


class OperationScreen(Screen):
    """Watches one RunningJob of the app's registry: leaving it (h) leaves the job running."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("escape", "close", "Close"),
        Binding("enter", "close", "Close", show=False),
        Binding("h", "hide", "Hide (job goes on)"),
        Binding("J", "app.jobs", "Jobs"),
    ]

    def __init__(
        self,
        plan: Plan,
        *,
        autostart: bool = True,
        attach_to: Path | None = None,
        journal_dir: Path | None = None,
        title: str | None = None,
        running: RunningJob | None = None,
    ) -> None:
        super().__init__()
        self.plan = plan
        self.title_text = title or (running.title if running else plan.title)
        self.autostart = autostart
        """False only for snapshot tests that feed recorded progress themselves."""
        self.attach_to = attach_to
        """The run folder of a detached job to follow instead of starting one (re-attach)."""
        self.journal_dir = journal_dir
        self.running = running
        """The job watched; None until started (and for the snapshot tests' screens)."""
        self.listener = ScreenListener(self)
        self.samples: list[Sample] = running.samples if running else []
        self.results: list[JobResult] = []
        self.finished = False
        self._cancel_requested = False

    @property
    def job(self) -> Job | None:
        return self.running.job if self.running is not None else None

    @property
    def operation(self) -> Job | None:
        """The running job (the name the app's quit check has always used)."""
        return self.job

    @property
    def cancel_requested(self) -> bool:
        return self.running.cancel_requested if self.running else self._cancel_requested

    @cancel_requested.setter
    def cancel_requested(self, value: bool) -> None:
        self._cancel_requested = value
        if self.running is not None:
            self.running.cancel_requested = value

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="op-box") as box:
            box.border_title = self.title_text
            yield JobProgressView(self.samples, buffers=self.plan.buffers, id="op-progress")
        yield Static("", id="op-result")
        yield LogPane(id="op-log")
        yield Footer()

    def on_mount(self) -> None:
        if self.running is None and self.autostart:
            self.running = self.app.start_running_job(
                self.plan, attach_to=self.attach_to, journal_dir=self.journal_dir,
                title=self.title_text,
            )  # fmt: skip
            if self.running is None:  # refused (the drive is busy): said in one line
                self.finished = True
                self.call_later(self.dismiss, [])
                return
            self.samples[:] = []
            self.samples = self.running.samples
            self.query_one(JobProgressView).samples = self.samples
        if self.running is not None:
            self.running.attach(self.listener)

    def on_unmount(self) -> None:
        if self.running is not None:
            self.running.detach(self.listener)

    # -- updates -------------------------------------------------------------------------

    def on_job_progress(self, message: JobProgress) -> None:
        self.query_one(JobProgressView).update(message.progress)

    def on_job_replay(self, message: JobReplay) -> None:
        self.query_one(JobProgressView).replay(message.events, message.ran_for)

    def on_job_finished(self, message: JobFinished) -> None:
        result = message.result
        self.results.append(result)
        surface = getattr(result, "surface", None)
        if surface is not None:
            # The map replaces the history, the speed and xorriso's lines: for a scan it is
            # the result (the slow stretches are on it).
            view = self.query_one(JobProgressView)
            for part in ("#op-history", "#op-raw", "#gauge-speed"):
                view.query_one(part).display = False
            view.add_class("-scanned")  # under 24 rows the digits go too (styles)
            view.mount(SurfaceMapView(surface, id="surface-map"))
        self._show_result()

    def on_job_failed_to_start(self, message: JobFailedToStart) -> None:
        self.query_one(LogPane).note(message.reason, level="error")
        self.query_one("#op-result", Static).update(Text(f"✗ {message.reason}", style="bold red"))

    def _show_result(self) -> None:
        text = Text()
        for result in self.results:
            mark, style = MARKS[result.outcome]
            surface = getattr(result, "surface", None)
            if result.outcome == "ok" and surface is not None and not surface.all_good:
                mark, style = "!", "bold yellow"  # the scan ran to its end; the disc did not
            text.append(f"{mark} {result.kind}: {result.message}\n", style=style)
            for path in result.mismatches[:5]:
                text.append(f"   MD5 mismatch: {path}\n", style="red")
            if len(result.mismatches) > 5:
                text.append(f"   … and {len(result.mismatches) - 5} more\n", style="red")
            label = "refused or renamed" if result.kind == "extract" else "not readable"
            for path in result.unreadable[:5]:
                text.append(f"   {label}: {path}\n", style="red")
            for warning in result.warnings[:3]:
                text.append(f"   ! {warning}\n", style="yellow")
        self.query_one("#op-result", Static).update(text)
        for result in self.results[-1:]:
            level = "info" if result.outcome == "ok" else "error"
            # A scan's verdict is the result line above its map: said once, not again here.
            surface = getattr(result, "surface", None)
            said = "" if surface else f" — {result.message}"
            outcome = result.outcome
            if outcome == "ok" and surface is not None and not surface.all_good:
                outcome, level = "done, damage found (above)", "warning"
            self.query_one(LogPane).note(f"{result.kind}: {outcome}{said}", level=level)

    def on_job_note(self, message: JobNote) -> None:
        self.query_one(LogPane).note(message.text)

    def on_plan_finished(self, message: PlanFinished) -> None:
        message.stop()  # the app hears it from the job registry, once, shown or not
        done = message.finished
        if self.finished:
            return
        self.finished = True
        if done.results and done.results != self.results:
            self.results = list(done.results)  # the finish step's last word (a drive gone)
            self._show_result()
        for line in done.summary:
            self.query_one(LogPane).note(line, level="info")
        self.refresh_bindings()  # esc now closes, and the footer says so
        self.query_one(JobProgressView).update(Progress("done", percent=100.0 if done.ok else None))
        log = self.query_one(LogPane)
        if done.stage_cleared:
            log.note("the stage was burned and is now empty, ready for the next session")
        if done.plan.follow.reread:
            if done.report is None:
                log.note(f"re-reading the medium failed: {done.reread_error}", level="error")
            else:
                log.note(f"medium now: {done.state} — press enter to go back")
        self.sub_title = "finished — enter or esc to go back"
        if self.app.screen is self:
            self.app.notify("Operation finished", timeout=3)

    # -- actions -------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Esc cancels while the job runs and closes once it has finished; a finished job
        has nothing left to hide."""
        if action in ("cancel", "hide"):
            return not self.finished
        if action == "close":
            return self.finished
        return True

    def action_cancel(self) -> None:
        def answer(yes: bool | None) -> None:
            if yes:
                self.cancel_requested = True
                if self.job is not None:
                    self.job.cancel()
                self.query_one(LogPane).note("cancelling… xorriso stops in a second or two")

        self.app.push_screen(
            ConfirmScreen(
                "Cancel?",
                [
                    f"Stop {self.title_text.lower()}?",
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

    def action_hide(self) -> None:
        """Back to where we were; the job goes on (the drive list shows its state)."""
        if not self.finished and self.running is not None:
            self.app.notify(f"{self.title_text} goes on: o (or J) shows it again", timeout=4)
        self.dismiss(self.results)

