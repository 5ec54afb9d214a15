"""The one way a Plan is carried out, for the TUI and the CLI alike: run the job, then
what follows it — a checkread, the medium re-read, the stage cleared — each journalled.

The caller (a TUI worker thread, the CLI's main thread) gives hooks for what it shows;
everything else happens here, so both front ends end every job the same way.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from app.config import journal_dir as default_journal_dir
from app.drives.presence import GONE, drive_gone
from app.engine.commands import MapEntry
from app.engine.errors import EngineError
from app.engine.inspect import read_medium
from app.engine.journal import append_medium_state, append_note
from app.engine.models import Media, MediumReport
from app.engine.progress import Progress
from app.jobs.job import Job, JobResult
from app.jobs.plan import Plan
from app.jobs.plans import Target, check_plan, verify_image_plan
from app.jobs.remember import remember
from app.jobs.start import start_job


def medium_state(media: Media) -> str:
    """The medium in a few words, as journals, the CLI and the result screen say it."""
    return f"{media.status}, {media.sessions_count} session(s)"


@dataclass
class Hooks:
    """What the front end wants to hear; every hook is called from the running thread."""

    started: Callable[[Job], None] = lambda job: None
    progress: Callable[[Progress], None] = lambda progress: None
    finished: Callable[[JobResult], None] = lambda result: None
    cancelled: Callable[[], bool] = lambda: False
    """True once the user asked to stop: no checkread follows then."""
    clear_stage: Callable[[Sequence[MapEntry]], bool] | None = None
    """Clear the stage if it still holds these entries (True when it did)."""


@dataclass
class Finished:
    plan: Plan
    results: list[JobResult] = field(default_factory=list)
    error: str | None = None
    """The job could not start (bad address, drive busy, xorriso missing)."""
    report: MediumReport | None = None
    reread_error: str | None = None
    stage_cleared: bool = False
    catalog_note: str | None = None
    """What the catalog learned (or why it could not), in a few words."""
    gone: bool = False
    """The drive went away during the job: it ended as failed, saying so."""
    summary: list[str] = field(default_factory=list)
    """Copies in a row: a line per copy."""

    @property
    def ok(self) -> bool:
        return self.error is None and bool(self.results) and all(
            r.outcome == "ok" for r in self.results
        )

    @property
    def state(self) -> str | None:
        """The re-read medium in words (None when not re-read)."""
        if self.report is not None:
            return medium_state(self.report.toc.media)
        return f"could not be re-read: {self.reread_error}" if self.reread_error else None


def run_one(job: Job, hooks: Hooks) -> JobResult | None:
    """Follow `job` to its end; ctrl+c (the CLI) cancels it and still waits for its result."""
    hooks.started(job)
    if hooks.cancelled():
        job.cancel()
    try:
        for progress in job.events():
            hooks.progress(progress)
    except KeyboardInterrupt:
        job.cancel()
        for progress in job.events():
            hooks.progress(progress)
    if job.result is not None:
        hooks.finished(job.result)
    return job.result


def run_plan(
    plan: Plan,
    hooks: Hooks | None = None,
    *,
    journal_dir: Path | None = None,
    attach_to: Path | None = None,
) -> Finished:
    """Carry out `plan` (or follow its detached run in `attach_to`) and what follows it."""
    hooks = hooks or Hooks()
    folder = journal_dir or default_journal_dir()
    done = Finished(plan)
    samples: list[Progress] = []
    shown, started = hooks.progress, hooks.started
    watch = PresenceWatch(plan.drive, active=plan.kind not in NOT_A_DRIVE)

    def progress(event: Progress) -> None:
        samples.append(event)  # the read-speed curve, for the catalog
        watch.look()
        shown(event)

    def start(job: Job) -> None:
        samples.clear()  # the curve is the last job's (a checkread's, not its burn's)
        watch.job = job
        started(job)

    hooks = replace(hooks, progress=progress, started=start)
    try:
        first = run_one(start_job(plan, journal_dir=folder, attach_to=attach_to), hooks)
        done.results += [first] if first is not None else []
        if _burned(plan, first) and hooks.clear_stage is not None:
            # Cleared in the same step that records the result: however the app is left
            # afterwards, the burned files are not burned twice by accident.
            done.stage_cleared = hooks.clear_stage(plan.entries)
        follow = _follow_up(plan) if first and first.outcome == "ok" else None
        if follow is not None and not hooks.cancelled():
            verified = run_one(start_job(follow, journal_dir=folder), hooks)
            done.results += [verified] if verified is not None else []
    except EngineError as exc:
        done.error = str(exc)
    if not done.ok and watch.went_away():
        _went_away(done)
    elif plan.follow.reread:
        _reread(done)
    if not done.gone:  # a drive pulled out says nothing of the disc's health
        # A read re-reads nothing; remember() finds the disc it read in its result.
        done.catalog_note = remember(plan.drive, done.results, done.report, samples)
    return done


NOT_A_DRIVE = frozenset({"repair"})
"""Kinds whose address is an output file they make and may remove, not a drive."""


class PresenceWatch:
    """Cancels the running job when its drive vanishes (looked at once a second at most,
    as progress comes): a removed recorder's image, an unplugged drive."""

    EVERY = 1.0

    def __init__(self, address: str, *, active: bool = True) -> None:
        self.address = address
        self.seen = active and not drive_gone(address)
        """Seen there: a new image file the job makes itself is not there at first."""
        self.active = active
        self.job: Job | None = None
        self.gone = False
        self._last = 0.0

    def look(self) -> None:
        now = time.monotonic()
        if not self.active or self.gone or now - self._last < self.EVERY:
            return
        self._last = now
        there = not drive_gone(self.address)
        if there:
            self.seen = True
        elif self.seen:
            self.gone = True
            if self.job is not None:
                self.job.cancel()

    def went_away(self) -> bool:
        """At the end of a job that did not succeed: is its drive gone?"""
        return self.active and (
            self.gone or (self.seen and drive_gone(self.address, ask_drive=True))
        )


def _went_away(done: Finished) -> None:
    """The job failed because its drive is gone: say that, in its result and journal."""
    done.gone = True
    done.reread_error = GONE
    if done.results:
        last = done.results[-1]
        done.results[-1] = replace(last, outcome="failed", message=f"{GONE} ({last.message})")
    elif done.error is not None:
        done.error = f"{GONE} ({done.error})"
    for result in done.results:
        append_note(result.journal, f"result: {GONE}")


def _follow_up(plan: Plan) -> Plan | None:
    """The check a successful job asked for: a checkread, or a compare with the image."""
    target = Target(plan.drive, plan.drive_title)
    if plan.follow.checkread:
        return check_plan(target)
    if plan.follow.verify_image:
        return verify_image_plan(target, plan.params["image"], plan.params.get("stamp"))
    return None


def _burned(plan: Plan, result: JobResult | None) -> bool:
    return (
        plan.kind == "burn"
        and plan.follow.clear_stage
        and result is not None
        and result.outcome == "ok"
    )


def _reread(done: Finished) -> None:
    """Read the medium as it really is now, and end each journal with it."""
    try:
        done.report = read_medium(done.plan.drive)
    except EngineError as exc:
        done.reread_error = str(exc)
    for result in done.results:
        append_medium_state(result.journal, done.state or "unknown")
