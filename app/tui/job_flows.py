"""The App's jobs: one per drive, in app-level workers, watched by screens that come and go.

The registry (app.jobs.registry) keeps each drive's job; a job screen only watches one.
The drive list shows every drive's state, redrawn at most a few times a second; `o`
opens the selected drive's job, `J` lists the jobs, and quitting asks while any runs.
"""

from __future__ import annotations

import time
from pathlib import Path

from textual.timer import Timer

from app.drives.presence import GONE, drive_gone
from app.jobs.plan import Plan
from app.jobs.registry import (
    DriveBusy,
    JobRegistry,
    Runner,
    RunningJob,
    busy_message,
    plan_runner,
)  # fmt: skip
from app.tui.messages import JobEnded, JobsChanged, JobScreenClosed, MediumChanged, PlanFinished
from app.tui.screens.choice_screen import ChoiceScreen
from app.tui.screens.confirm_screen import ConfirmScreen

STATE_EVERY = 1.0
"""Seconds between redraws of the drive states, whatever the jobs say: xorriso reports
once a second, and each repaint of the drive list costs (bench/multi.py, row 9d)."""


class JobFlows:
    """Mixed into DiscdeckApp: owns the job registry and the jobs' workers."""

    def _job_registry(self) -> JobRegistry:
        registry = getattr(self, "_job_registry_", None)
        if registry is None:
            registry = self._job_registry_ = JobRegistry(self._job_moved)
            self._states_shown = 0.0
            self._states_timer: Timer | None = None
        return registry

    @property
    def jobs(self) -> JobRegistry:
        return self._job_registry()

    def _job_moved(self, running: RunningJob) -> None:
        """From a job's thread: coalesced into one JobsChanged (and JobEnded at the end)."""
        self.post_message(JobsChanged())
        if running.done is not None:
            self.post_message(JobEnded(running))
            # The app hears every plan's end once, shown or not (a set records its disc);
            # the job screen keeps its own copy to itself.
            self.post_message(PlanFinished(running.done))

    def start_running_job(
        self,
        plan: Plan,
        *,
        attach_to: Path | None = None,
        journal_dir: Path | None = None,
        title: str | None = None,
        runner: Runner | None = None,
    ) -> RunningJob | None:
        """Register and start `plan`'s job in an app-level worker; None (said in one line)
        when its drive runs another job."""
        runner = runner or plan_runner(journal_dir, attach_to)(plan)
        clear = self.clear_burned_stage_from_thread if plan.kind == "burn" else None
        try:
            running = self.jobs.add(plan, runner, title=title, clear_stage=clear)
        except DriveBusy as exc:
            self.notify(str(exc), severity="error")
            return None
        self.run_worker(running.run, thread=True, group=f"job:{plan.drive}", exit_on_error=False)
        return running

    def refuse_busy(self, plan: Plan) -> bool:
        """True (and one line said) when `plan`'s drive runs another job."""
        running = self.jobs.busy(plan)
        if running is not None:
            self.notify(busy_message(running), severity="error")
        return running is not None

    def clear_burned_stage_from_thread(self, entries: object) -> bool:
        return bool(self.call_from_thread(self.clear_burned_stage, entries))

    # -- the drive list's states -----------------------------------------------------------

    def on_jobs_changed(self, _message: JobsChanged) -> None:
        wait = STATE_EVERY - (time.monotonic() - self._states_shown)
        if wait > 0:
            if self._states_timer is None:
                self._states_timer = self.set_timer(wait, self._show_states)
            return
        self._show_states()

    def _show_states(self) -> None:
        self._states_timer = None
        self._states_shown = time.monotonic()
        main = self._main_screen()
        if main is not None and self.screen is main:  # else when it shows again
            main.show_job_states(self.jobs.states())

    def _main_screen(self):  # -> MainScreen | None (imported by the app, not here)
        return next((s for s in self.screen_stack if hasattr(s, "show_job_states")), None)

    def on_job_ended(self, message: JobEnded) -> None:
        """Whatever screen is shown: the stage's burn mark, the medium, a word to the operator."""
        running = message.running
        done = running.done
        if done is None:
            return
        if done.plan.follow.clear_stage and not done.stage_cleared and self.stage.burn_mark:
            self.stage.burn_mark = None
            self.save_stage()
        here = self.drive is not None and self.drive.address == running.address
        if here and done.plan.follow.reread:
            self.post_message(MediumChanged(done.report))
            main = self._main_screen()
            if main is not None and self.screen is main:
                self.call_later(self._after_operation)  # shown now, not when it shows again
        watched = getattr(self.screen, "running", None) is running
        if not watched:
            word = running.state()
            why = f": {GONE}" if done.gone else ""
            self.notify(f"{running.title}: {word}{why}", severity="information" if done.ok else "error")
        self._show_states()

    def cancel_vanished_jobs(self) -> None:
        """The monitor saw drives go: a job whose drive is gone is cancelled (and says so)."""
        for running in self.jobs.running():
            if drive_gone(running.address):
                running.cancel()

    # -- opening and switching ---------------------------------------------------------------

    def open_job(self, running: RunningJob) -> None:
        """Show `running`'s screen (the one already open, or a new one watching it)."""
        # Imported on first use: the job screen and its machinery are ~50 ms (see flows).
        from app.jobs.set_steps import blank_wait_of
        from app.tui.screens.operation_screen import OperationScreen
        from app.tui.screens.wait_blank_screen import WaitBlankScreen

        for screen in self.screen_stack:
            if getattr(screen, "running", None) is running:
                while self.screen is not screen:
                    self.pop_screen()
                return
        if blank_wait_of(running.plan) is not None:  # a set's wait for its next blank
            screen = WaitBlankScreen(running)
        else:
            screen = OperationScreen(running.plan, running=running)
        self.push_screen(screen, lambda results: self._job_screen_closed(running, results))

    def _job_screen_closed(self, running: RunningJob, results: object) -> None:
        self._after_operation(results)
        self.post_message(JobScreenClosed(running))

    def action_open_job(self) -> None:
        """The selected drive's running (or last) job."""
        main = self._main_screen()
        address = main.selected_address() if main is not None else None
        running = self.jobs.of(address) if address else None
        if running is None:
            self.notify("No job on this drive (J lists every job)", severity="warning")
            return
        self.open_job(running)

    def action_jobs(self) -> None:
        """Every job of this session, running first: pick one to see its screen."""
        jobs = sorted(self.jobs.jobs(), key=lambda job: not job.running)
        if not jobs:
            self.notify("No jobs yet", severity="warning")
            return
        choices = [(job.address, f"{job.title} — {job.state()}") for job in jobs]

        def chosen(address: str | None) -> None:
            running = self.jobs.of(address) if address else None
            if running is not None:
                self.open_job(running)

        self.push_screen(ChoiceScreen("Jobs", choices), chosen)

    # -- quitting ----------------------------------------------------------------------------

    async def action_quit(self) -> None:
        """Detached jobs (burns, blanks, formats, checks) go on after quitting; asks first."""
        running = self.jobs.running()
        if not running:
            self.exit()
            return
        detached = all(job.detached for job in running)

        def answer(yes: bool | None) -> None:
            if not yes:
                return
            for job in running:
                if job.detached and job.job is not None:
                    job.job.stop_reading()
                else:
                    job.cancel()
            self.exit()

        self.push_screen(_quit_question(running, detached), answer)


def _quit_question(running: list[RunningJob], detached: bool) -> ConfirmScreen:
    first = running[0]
    names = f"{first.title} is" if len(running) == 1 else f"{len(running)} jobs are"
    if detached:
        kind = first.job.kind if first.job is not None and len(running) == 1 else "job"
        them = f"The {kind}" if len(running) == 1 else "They"
        lines = [
            f"{names} still running.",
            f"{them} will CONTINUE in the background after you quit;",
            "start discdeck again to see progress and results.",
            "Press n to stay.",
        ]
        yes = f"Quit (the {kind} continues)" if len(running) == 1 else "Quit (they continue)"
        return ConfirmScreen("Quit during an operation?", lines, yes_label=yes)
    lines = [
        f"{names} still running.",
        "Quitting cancels what cannot run detached; the medium may be left partly written.",
        "Press n to stay and let it finish.",
    ]
    return ConfirmScreen(
        "Quit during an operation?", lines, yes_label="Cancel it and quit", danger=True
    )
