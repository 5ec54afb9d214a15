"""WaitBlankScreen: a real drive was opened for the set's next disc, and its wait for a blank
runs as the drive's job (app.jobs.set_steps.blank_wait_runner); this screen only watches it.
h hides it (the wait goes on, the drive list says so), esc stops it: the set resumes later.
Once a blank is in, the app goes on with the disc (and closes this screen if it is shown)."""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from app.engine.progress import Progress
from app.jobs.finish import Finished
from app.jobs.job import Job, JobResult
from app.jobs.registry import RunningJob
from app.jobs.set_steps import blank_wait_of
from app.tui.messages import JobNote, JobProgress


class WaitListener:
    """The wait's events, handed to the screen as messages (post_message is thread-safe)."""

    def __init__(self, screen: WaitBlankScreen) -> None:
        self.screen = screen

    def started(self, job: Job) -> None:
        pass

    def progress(self, progress: Progress) -> None:
        self.screen.post_message(JobProgress(progress))

    def replay(self, events: list[Progress], ran_for: float) -> None:
        if events:  # the wait so far: its last word is all this screen shows
            self.screen.post_message(JobProgress(replace(events[-1], elapsed=ran_for)))

    def result(self, result: JobResult) -> None:
        pass  # the app hears the end (PlanFinished) and goes on, or says why not

    def note(self, text: str) -> None:
        self.screen.post_message(JobNote(text))

    def finished(self, done: Finished) -> None:
        pass


class WaitBlankScreen(ModalScreen[bool]):
    BINDINGS = [Binding("escape", "stop", "Stop"), Binding("h", "hide", "Hide (the wait goes on)")]

    def __init__(self, running: RunningJob) -> None:
        super().__init__()
        self.running = running
        self.listener = WaitListener(self)

    def compose(self) -> ComposeResult:
        name, number = blank_wait_of(self.running.plan) or ("", 0)
        drive = self.running.plan.drive_title or self.running.address
        lines = [f"Insert a blank medium into {drive} for disc {number} of the set {name};",
                 "it is burned once the drive reads it blank."]  # fmt: skip
        with Vertical(id="confirm-box") as box:
            box.border_title = "Insert a blank"
            box.border_subtitle = "h hides: the wait goes on · esc stops (Sets resumes)"
            yield Static(Text("\n".join(lines)), id="confirm-text")
            yield Static("", id="wait-blank-note")
            yield Static("", id="wait-blank-status")

    def on_mount(self) -> None:
        self.running.attach(self.listener)

    def on_unmount(self) -> None:
        self.running.detach(self.listener)

    def on_job_progress(self, message: JobProgress) -> None:
        if message.progress.phase == "waiting":
            text = f"waiting for a blank medium: {message.progress.elapsed:.0f} s"
            self.query_one("#wait-blank-status", Static).update(text)

    def on_job_note(self, message: JobNote) -> None:
        self.query_one("#wait-blank-note", Static).update(message.text)

    def action_stop(self) -> None:
        self.running.cancel()  # the app says where the set stands once the wait ends
        self.dismiss(False)

    def action_hide(self) -> None:
        self.app.notify(f"{self.running.title} goes on: o (or J) shows it again", timeout=4)
        self.dismiss(None)
