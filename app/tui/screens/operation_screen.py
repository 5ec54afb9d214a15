"""OperationScreen: a Plan carried out — its job's gauges while it runs, then the result.

The worker calls the jobs layer's one finish step (app.jobs.finish.run_plan) and posts
what happens as typed messages; the screen only shows them.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from app.engine.commands import MapEntry
from app.engine.progress import Progress
from app.jobs.finish import Hooks, run_plan
from app.jobs.job import Job, JobResult
from app.jobs.plan import Plan
from app.tui.messages import (
    JobFailedToStart,
    JobFinished,
    JobProgress,
    MediumChanged,
    PlanFinished,
)  # fmt: skip
from app.tui.screens.confirm_screen import ConfirmScreen
from widgets.job.progress_view import JobProgressView, Sample
from widgets.job.surface_map_view import SurfaceMapView
from widgets.log_pane import LogPane

MARKS = {"ok": ("✓", "bold green"), "failed": ("✗", "bold red"), "cancelled": ("■", "bold yellow")}


class OperationScreen(Screen):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("escape", "close", "Close"),
        Binding("enter", "close", "Close", show=False),
    ]

    def __init__(
        self,
        plan: Plan,
        *,
        autostart: bool = True,
        attach_to: Path | None = None,
        journal_dir: Path | None = None,
        title: str | None = None,
    ) -> None:
        super().__init__()
        self.plan = plan
        self.title_text = title or plan.title
        self.autostart = autostart
        """False only for snapshot tests that feed recorded progress themselves."""
        self.attach_to = attach_to
        """The run folder of a detached job to follow instead of starting one (re-attach)."""
        self.journal_dir = journal_dir
        self.job: Job | None = None
        self.samples: list[Sample] = []
        self.results: list[JobResult] = []
        self.finished = False
        self.cancel_requested = False

    @property
    def operation(self) -> Job | None:
        """The running job (the name the app's quit check has always used)."""
        return self.job

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="op-box") as box:
            box.border_title = self.title_text
            yield JobProgressView(self.samples, buffers=self.plan.buffers, id="op-progress")
        yield Static("", id="op-result")
        yield LogPane(id="op-log")
        yield Footer()

    def on_mount(self) -> None:
        if self.autostart:
            self.run_plan()

    # -- worker --------------------------------------------------------------------------

    def _started(self, job: Job) -> None:
        self.job = job

    def _progress(self, progress: Progress) -> None:
        self.samples.append((progress.speed, progress.buffer))
        self.post_message(JobProgress(progress))

    def _clear_stage(self, entries: tuple[MapEntry, ...]) -> bool:
        return bool(self.app.call_from_thread(self.app.clear_burned_stage, entries))

    @work(thread=True, exclusive=True, group="operation")
    def run_plan(self) -> None:
        hooks = Hooks(
            started=self._started,
            progress=self._progress,
            finished=lambda result: self.post_message(JobFinished(result)),
            cancelled=lambda: self.cancel_requested,
            clear_stage=self._clear_stage,
        )
        done = run_plan(
            self.plan, hooks, journal_dir=self.journal_dir, attach_to=self.attach_to
        )
        if done.error is not None:
            self.post_message(JobFailedToStart(done.error))
        self.post_message(PlanFinished(done))

    # -- updates -------------------------------------------------------------------------

    def on_job_progress(self, message: JobProgress) -> None:
        self.query_one(JobProgressView).update(message.progress)

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
            said = "" if getattr(result, "surface", None) else f" — {result.message}"
            self.query_one(LogPane).note(f"{result.kind}: {result.outcome}{said}", level=level)

    def on_plan_finished(self, message: PlanFinished) -> None:
        done = message.finished
        self.finished = True
        self.refresh_bindings()  # esc now closes, and the footer says so
        self.query_one(JobProgressView).update(Progress("done", percent=100.0 if done.ok else None))
        log = self.query_one(LogPane)
        if done.stage_cleared:
            log.note("the stage was burned and is now empty, ready for the next session")
        if done.plan.follow.reread:
            self.app.post_message(MediumChanged(done.report))
            if done.report is None:
                log.note(f"re-reading the medium failed: {done.reread_error}", level="error")
            else:
                log.note(f"medium now: {done.state} — press enter to go back")
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
