"""The App's disc sets burned disc by disc on the open drive: each disc a normal burn Plan run
as the drive's job (app/tui/job_flows.py), recorded in the set when it ends, then the next
blank (a virtual recorder takes one itself; a real drive opens and its wait is a job too),
then the next disc.

The set goes on at app level, whatever screen is shown: a disc whose screen was hidden
is followed by the next one in the background (said in a notification; the drive list
shows it, `o` shows it). A disc whose screen is shown waits for the person to close it, so
its result is read first. A set continued after a quit starts from Sets (S).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from textual import work

from app.archive.sets import DiscSet, SetDisc, SetError, load_set
from app.drives.listing import DriveEntry
from app.drives.monitor import DriveEvent
from app.jobs.finish import Finished
from app.jobs.plan import Plan
from app.jobs.plans import Target
from app.jobs.registry import RunningJob
from app.jobs.set_steps import (
    BlankStep,
    DiscCheck,
    blank_wait_of,
    blank_wait_plan,
    blank_wait_runner,
    check_disc,
    finish_disc,
    next_blank,
    set_disc_plan,
    set_of,
)
from app.stage.model import Stage
from app.tui.messages import DriveChanged, JobScreenClosed, PlanFinished
from app.tui.screens.confirm_screen import ConfirmScreen

RESUME_HINT = "The set resumes from Sets (S on the main screen)."


@dataclass(frozen=True)
class SetStep:
    """How the set's next disc is reached."""

    confirm: bool = True
    """Ask before burning (the first disc; not those that follow)."""
    auto_blank: bool = False
    """A written medium makes way without asking: the disc before was just burned."""
    swapped: bool = False
    """A new blank was just put in: anything else now is an error, not another swap."""
    background: bool = False
    """Nobody watches the set (its screen was hidden): start its jobs without showing them,
    and say what happens in notifications."""


class SetBurnFlows:
    """Mixed into DiscdeckApp, beside JobFlows (its registry, open_job) and SetFlows."""

    stage: Stage
    drive: DriveEntry | None

    @property
    def set_lock(self) -> threading.Lock:
        """Held from a set disc's end until it is recorded: the next disc waits for it."""
        if "_set_lock" not in vars(self):
            self._set_lock = threading.Lock()
        return self._set_lock

    @property
    def set_discs(self) -> dict[str, RunningJob]:
        """The set disc each drive burns for this session, until its set goes on (or stops)."""
        if "_set_discs" not in vars(self):
            self._set_discs: dict[str, RunningJob] = {}
        return self._set_discs

    @property
    def set_closing(self) -> set[str]:
        """Drives whose set disc ended while its screen was shown: the close goes on."""
        if "_set_closing" not in vars(self):
            self._set_closing: set[str] = set()
        return self._set_closing

    def burn_set(
        self, name: str, *, confirm: bool = True, auto_blank: bool = False,
        swapped: bool = False, background: bool = False,
    ) -> None:  # fmt: skip
        """The set's next disc on the open drive (checked first, in a worker)."""
        self.check_next_disc(name, SetStep(confirm, auto_blank, swapped, background))

    @work(thread=True, exclusive=True, group="set-burn")
    def check_next_disc(self, name: str, step: SetStep) -> None:
        drive = self.drive
        with self.set_lock:  # the disc before this one is recorded first
            try:
                plan = load_set(name)
            except SetError as exc:
                self.call_from_thread(self.notify, str(exc), severity="error")
                return
        disc = plan.next_disc()
        if disc is None:
            self.call_from_thread(self.notify, f"{name} is complete: all {len(plan.discs)} discs burned and verified")
            return
        if drive is None or drive.detail.startswith("on the shelf"):
            self.call_from_thread(self.notify, "Open a recorder or a drive first (d lists them)", severity="warning")
            return
        capacity = drive.recorder.capacity_blocks if drive.recorder else None
        check = check_disc(plan, disc, Target(drive.address, drive.title), capacity)
        self.call_from_thread(self._disc_checked, plan, disc, drive, check, step)

    def _disc_checked(self, plan: DiscSet, disc: SetDisc, drive: DriveEntry, check: DiscCheck, step: SetStep) -> None:
        which = f"disc {disc.number} of {len(plan.discs)}"
        if check.problems:
            lines = [*check.problems, "", f"Nothing was written. {RESUME_HINT}"]
            self.push_screen(ConfirmScreen(f"Cannot burn {which}", lines, notice=True))
        elif check.status != "blank" and step.swapped:
            self.notify(f"{drive.title} still holds no blank: {RESUME_HINT}", severity="error")
        elif check.status != "blank":
            self._make_way(plan, disc, drive, check, step)
        else:
            target = Target(drive.address, drive.title, check.media)
            self._run_disc(set_disc_plan(plan, disc, target, self.stage.options.speed), step)

    def _make_way(self, plan: DiscSet, disc: SetDisc, drive: DriveEntry, check: DiscCheck, step: SetStep) -> None:
        """A written medium (or none) is in: shelve or eject it, after asking unless the
        disc before was just burned."""
        virtual = drive.recorder is not None
        held = f"{check.volume_id} ({check.status})" if check.volume_id else check.status
        lines = [f"Disc {disc.number} of {len(plan.discs)} of {plan.name} needs a blank; {drive.title} holds {held}."]
        if check.volume_id == plan.volume_id(disc):
            lines.append("It is that disc, but its burn was not seen to end: it is burned again.")
        lines.append("It goes onto the shelf (kept, listed) and a new blank goes in." if virtual
                     else "The drive opens; then insert a blank medium.")  # fmt: skip

        def answer(yes: bool | None) -> None:
            if yes:
                self.swap_blank(plan, disc, Target(drive.address, drive.title), step)

        if step.auto_blank or check.status == "absent":
            answer(True)
        else:
            label = "Insert a blank" if virtual else "Eject"
            self.push_screen(ConfirmScreen("Insert the next blank?", lines, yes_label=label), answer)

    @work(thread=True, exclusive=True, group="set-blank")
    def swap_blank(self, plan: DiscSet, disc: SetDisc, target: Target, step: SetStep) -> None:
        blank = next_blank(target.address)
        self.call_from_thread(self._blank_step, plan, disc, target, blank, step)

    def _blank_step(self, plan: DiscSet, disc: SetDisc, target: Target, blank: BlankStep, step: SetStep) -> None:
        if blank.ready:
            self.notify(blank.message)
            # The medium put on the shelf joins the drive list now (the folder watch sees
            # the recorders only; it showed after d, "look for drives again").
            self.post_message(DriveChanged(DriveEvent("drives", target.address, "change")))
            self.burn_set(plan.name, confirm=step.confirm, swapped=True, background=step.background)
        elif blank.wait:
            self._wait_for_blank(plan, disc, target, step)
        else:
            self.notify(blank.message, severity="error")

    def _wait_for_blank(self, plan: DiscSet, disc: SetDisc, target: Target, step: SetStep) -> None:
        """The drive opens and waits for a person, as the drive's job: hidden or shown, the
        disc follows once a blank is in (on_plan_finished)."""
        wait = blank_wait_plan(plan, disc, target)
        running = self.start_running_job(wait, runner=blank_wait_runner(wait))
        if running is None:
            return
        if step.background:
            which = f"disc {disc.number} of {len(plan.discs)} of {plan.name}"
            self.notify(f"Insert a blank into {target.name} for {which} (o shows the wait)", timeout=30)
        else:
            self.open_job(running)

    def _run_disc(self, job: Plan, step: SetStep) -> None:
        def answer(yes: bool | None) -> None:
            if not yes:
                return
            running = self.start_running_job(job)
            if running is None:
                return
            self.set_discs[job.drive] = running
            if step.background:
                self.notify(f"{job.title}: o shows it", timeout=8)
            else:
                self.open_job(running)

        if step.confirm:
            self.push_screen(ConfirmScreen.for_plan(job), answer)
        else:
            answer(True)

    # -- at each end, whatever screen is shown ---------------------------------------------

    def on_plan_finished(self, message: PlanFinished) -> None:
        """A set disc ended (here, or re-attached after a quit): record it in its set, then
        go on; a blank came (or did not) for the next one."""
        done = message.finished
        mark = set_of(done.plan)
        if mark is not None:
            self.set_lock.acquire()  # released by the worker once recorded
            self.record_set_disc(done)
            self._disc_ended(done, mark[0])
        elif (wait := blank_wait_of(done.plan)) is not None:
            self._blank_came(done, *wait)

    def _watched(self, done: Finished) -> bool:
        running = getattr(self.screen, "running", None)
        return running is not None and running.done is done

    def _disc_ended(self, done: Finished, name: str) -> None:
        running = self.set_discs.get(done.plan.drive)
        if running is None or running.done is not done:
            return  # not a disc this session started (re-attached): Sets goes on with it
        if done.ok and self._watched(done):
            self.set_closing.add(done.plan.drive)  # its result is read first: on_job_screen_closed
            return
        del self.set_discs[done.plan.drive]
        if done.ok:
            self.burn_set(name, confirm=False, auto_blank=True, background=True)

    def on_job_screen_closed(self, message: JobScreenClosed) -> None:
        """The finished set disc's screen was closed: on to the next disc, shown."""
        address = message.running.address
        if self.set_discs.get(address) is message.running and address in self.set_closing:
            self.set_closing.discard(address)
            del self.set_discs[address]
            mark = set_of(message.running.plan)
            if mark is not None:
                self.burn_set(mark[0], confirm=False, auto_blank=True)

    def _blank_came(self, done: Finished, name: str, number: int) -> None:
        watched = self._watched(done)
        if watched:
            self.pop_screen()  # the wait screen: the disc's own screen follows
        if done.ok:
            self.burn_set(name, confirm=False, swapped=True, background=not watched)
        else:
            why = done.results[0].message if done.results else (done.error or "the wait failed")
            self.notify(f"{name}: {why}; stopped before disc {number}. {RESUME_HINT}", severity="warning", timeout=10)

    @work(thread=True, group="set-record")
    def record_set_disc(self, done: Finished) -> None:
        try:
            line = finish_disc(done)
        finally:
            self.set_lock.release()
        if line:
            self.call_from_thread(self.notify, line, severity="information" if done.ok else "error", timeout=8)
