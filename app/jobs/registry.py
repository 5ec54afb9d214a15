"""The jobs running in this process, one per drive, not tied to any screen.

The app owns one JobRegistry: a job screen only watches a RunningJob (and can be closed
while the job goes on), the drive list shows each drive's state from it, quitting asks
when something is still running. The registry starts no threads itself: the caller runs
`RunningJob.run` in a worker (the app's thread workers, the CLI's threads).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from app.engine.commands import MapEntry
from app.engine.progress import Progress
from app.jobs.finish import Finished, Hooks, run_plan
from app.jobs.job import Job, JobResult
from app.jobs.plan import Plan
from app.jobs.progress_history import ProgressHistory, Sample

DOING = {"burn": "burning", "write": "writing", "check": "verifying", "verify": "verifying",
         "blank": "blanking", "format": "formatting", "surface": "scanning", "read": "reading",
         "copy": "copying", "udf": "formatting", "eject": "ejecting", "extract": "extracting",
         "remaster": "remastering"}  # fmt: skip


class DriveBusy(Exception):
    """A second job on a drive that already runs one."""


class JobListener(Protocol):
    """What a job screen hears; called from the job's thread (or at attach, replayed)."""

    def started(self, job: Job) -> None: ...
    def progress(self, progress: Progress) -> None: ...
    def replay(self, events: list[Progress], ran_for: float) -> None:
        """The progress so far (kept), the job running for `ran_for` seconds until now."""
    def result(self, result: JobResult) -> None: ...
    def note(self, text: str) -> None: ...
    def finished(self, done: Finished) -> None: ...


Runner = Callable[[Hooks, Callable[[str], None]], Finished]
"""Carries out the plan with these hooks, saying lines as it goes (copies in a row)."""


@dataclass
class RunningJob:
    plan: Plan
    title: str
    runner: Runner
    clear_stage: Callable[[Sequence[MapEntry]], bool] | None = None
    job: Job | None = None
    progress: Progress | None = None
    history: ProgressHistory = field(default_factory=ProgressHistory)
    """Its progress so far, bounded: a screen opened later shows it as it was."""
    ended: float | None = None
    """When it finished (time.monotonic())."""
    results: list[JobResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    done: Finished | None = None
    cancel_requested: bool = False
    listeners: list[JobListener] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    changed: Callable[[RunningJob], None] = lambda job: None

    @property
    def address(self) -> str:
        return self.plan.drive

    @property
    def running(self) -> bool:
        return self.done is None

    @property
    def samples(self) -> list[Sample]:
        """(speed, buffer) of the kept progress: the job screen's history graph (grows)."""
        return self.history.samples

    @property
    def detached(self) -> bool:
        # A remote burn still streaming its image from here would be cut by quitting.
        return bool(getattr(self.job, "detached", False)) and not getattr(self.job, "streaming", False)

    def state(self) -> str:
        """The drive list's word for it: "burning 43 %", "verifying", "done", "failed"."""
        if self.done is not None:
            return "done" if self.done.ok else (
                "cancelled" if self.cancel_requested and not self.done.gone else "failed"
            )
        kind = self.job.kind if self.job is not None else self.plan.kind
        word = DOING.get(kind, kind)
        phase = self.progress.phase if self.progress is not None else None
        if phase == "waiting":
            return "waiting for a blank"
        if phase == "preparing" or (self.job is None and phase is not None):
            word = "preparing"  # a shared session image being built, or the job starting
        percent = self.progress.percent if self.progress is not None else None
        return word if percent is None else f"{word} {percent:.0f} %"

    def cancel(self) -> None:
        self.cancel_requested = True
        if self.job is not None:
            self.job.cancel()

    def attach(self, listener: JobListener) -> None:
        """Hear this job from now on, after what happened so far (replayed in order)."""
        with self.lock:
            for result in self.results:
                listener.result(result)
            for text in self.notes:
                listener.note(text)
            if self.history.events:
                now = self.ended if self.ended is not None else time.monotonic()
                listener.replay(self.history.replay(), self.history.ran_for(now))
            if self.done is not None:
                listener.finished(self.done)
            self.listeners.append(listener)

    def detach(self, listener: JobListener) -> None:
        with self.lock:
            if listener in self.listeners:
                self.listeners.remove(listener)

    def _tell(self, call: Callable[[JobListener], None]) -> None:
        with self.lock:
            for listener in list(self.listeners):
                call(listener)
        self.changed(self)

    def run(self) -> Finished:
        """Carry the plan out (in a worker thread) and keep what happens."""

        def started(job: Job) -> None:
            self.job = job
            self._tell(lambda listener: listener.started(job))

        def progress(event: Progress) -> None:
            with self.lock:
                self.progress = event
                self.history.add(event, time.monotonic())
            self._tell(lambda listener: listener.progress(event))

        def result(outcome: JobResult) -> None:
            with self.lock:
                self.results.append(outcome)
            self._tell(lambda listener: listener.result(outcome))

        def note(text: str) -> None:
            with self.lock:
                self.notes.append(text)
            self._tell(lambda listener: listener.note(text))

        hooks = Hooks(
            started=started, progress=progress, finished=result,
            cancelled=lambda: self.cancel_requested, clear_stage=self.clear_stage,
        )  # fmt: skip
        try:
            done = self.runner(hooks, note)
        except Exception as exc:  # a bug in a job must still end it, and say what
            done = Finished(self.plan, error=f"the job stopped unexpectedly: {exc!r}")
        with self.lock:
            self.done, self.ended = done, time.monotonic()
        self._tell(lambda listener: listener.finished(done))
        return done


def plan_runner(journal_dir: Path | None = None, attach_to: Path | None = None) -> Callable[[Plan], Runner]:
    """The usual runner: the one finish step on the plan (or its detached run)."""

    def runner_for(plan: Plan) -> Runner:
        return lambda hooks, _say: run_plan(plan, hooks, journal_dir=journal_dir, attach_to=attach_to)

    return runner_for


def drives_of(plan: Plan) -> set[str]:
    """Every drive a plan holds: a copy reads one and writes another."""
    drives = {plan.drive}
    source = plan.params.get("source") if plan.kind == "copy" else None
    if isinstance(source, str):
        drives.add(source)
    return drives


class JobRegistry:
    """The running (and last finished) job of each drive; thread-safe."""

    def __init__(self, changed: Callable[[RunningJob], None] = lambda job: None) -> None:
        self.changed = changed
        """Called (from the job's thread) whenever a job moves: the app redraws the drive list."""
        self._jobs: dict[str, RunningJob] = {}
        self._lock = threading.Lock()

    def busy(self, plan: Plan) -> RunningJob | None:
        """The running job holding a drive `plan` needs, if any."""
        return self._holding(drives_of(plan))

    def busy_drive(self, address: str) -> RunningJob | None:
        return self._holding({address})

    def _holding(self, drives: set[str]) -> RunningJob | None:
        with self._lock:
            for job in self._jobs.values():
                if job.running and drives_of(job.plan) & drives:
                    return job
        return None

    def add(
        self,
        plan: Plan,
        runner: Runner,
        *,
        title: str | None = None,
        clear_stage: Callable[[Sequence[MapEntry]], bool] | None = None,
    ) -> RunningJob:
        """Register a job for `plan` (then run its `run` in a worker); DriveBusy when a
        drive it needs runs another job."""
        running = self.busy(plan)
        if running is not None:
            raise DriveBusy(busy_message(running))
        job = RunningJob(plan, title or plan.title, runner, clear_stage, changed=self.changed)
        with self._lock:
            self._jobs[plan.drive] = job
        self.changed(job)
        return job

    def of(self, address: str) -> RunningJob | None:
        """The drive's running job, else its last finished one."""
        with self._lock:
            return self._jobs.get(address)

    def jobs(self) -> list[RunningJob]:
        with self._lock:
            return list(self._jobs.values())

    def running(self) -> list[RunningJob]:
        return [job for job in self.jobs() if job.running]

    def states(self) -> dict[str, str]:
        """Each drive's state in words, for the drive list."""
        return {address: job.state() for address, job in list(self._jobs.items())}


def busy_message(job: RunningJob) -> str:
    return f"{job.address} is busy: {job.title.lower()} ({job.state()}) — o shows it"
