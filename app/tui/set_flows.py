"""The App's disc-set flows: plan a set from the stage (its name, the medium, the plan
screen), then burn it disc by disc on the open drive — each disc a normal burn Plan on the
job screen, recorded in the set when it ends, then the next blank (a virtual recorder takes
one itself; a real drive ejects and waits) — and go on with a set after a quit (Sets).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable

from textual import work

from app.archive.sets import (
    DiscSet,
    SetDisc,
    SetError,
    check_set_name,
    load_set,
    plan_set,
    set_path,
)
from app.drives.listing import DriveEntry
from app.drives.monitor import DriveEvent
from app.drives.shelf import ShelfError, medium_named
from app.drives.virtual import NOMINAL_MEDIA
from app.jobs.finish import Finished
from app.jobs.plan import Plan
from app.jobs.plans import Target
from app.jobs.set_steps import (
    BlankStep,
    DiscCheck,
    check_disc,
    finish_disc,
    next_blank,
    set_disc_plan,
    set_of,
)
from app.stage.model import Stage
from app.tui.messages import DriveChanged, PlanFinished
from app.tui.screens.choice_screen import ChoiceScreen
from app.tui.screens.confirm_screen import ConfirmScreen
from app.tui.screens.prompt_screen import PromptScreen

OTHER_SIZE = "other"
RESUME_HINT = "The set resumes from Sets (S on the main screen)."


def set_name_problem(name: str) -> str | None:
    """The prompt's check: a valid name, not that of a set already (partly) burned."""
    try:
        check_set_name(name)
    except SetError as exc:
        return str(exc)
    if set_path(name).exists():
        try:
            burned = any(d.state == "burned" for d in load_set(name).discs)
        except SetError:
            burned = False
        if burned:
            return f"a set named {name} is partly burned: go on with it from Sets (S), or choose another name"
    return None


def _medium_problem(value: str) -> str | None:
    try:
        medium_named(value)
    except ShelfError as exc:
        return str(exc)
    return None


class SetFlows:
    """Mixed into DiscdeckApp, beside OperationFlows (its drive, notify and job helpers)."""

    stage: Stage
    drive: DriveEntry | None

    @property
    def set_lock(self) -> threading.Lock:
        """Held from a set disc's end until it is recorded: the next disc waits for it."""
        if "_set_lock" not in vars(self):
            self._set_lock = threading.Lock()
        return self._set_lock

    def action_sets(self) -> None:
        # Imported on first use, like the stage and job screens.
        from app.tui.screens.sets_screen import SetsScreen

        self.push_screen(SetsScreen())

    def action_plan_set(self) -> None:
        if self.stage.is_empty():
            self.notify("The stage is empty: add the set's folders and files first (a)", severity="warning")
            return
        if self.stage.unscanned():
            self.notify("Still summing folder sizes — try again in a moment", severity="warning")
            return
        default = re.sub(r"[^A-Za-z0-9_]", "_", self.stage.volume_id)[:20] or "ARCHIVE"
        prompt = PromptScreen(
            "Plan a disc set", "Name (A-Z, 0-9, _): the discs are NAME_1_of_N, …",
            default, validate=set_name_problem,
        )  # fmt: skip
        self.push_screen(prompt, lambda name: self._ask_medium(name) if name else None)

    def _ask_medium(self, name: str) -> None:
        drive = self.drive
        own = drive.recorder.medium if drive is not None and drive.recorder is not None else None
        choices = [(own, f"{own} — the medium of {drive.title}")] if own and drive else []
        choices += [(m, m) for m in NOMINAL_MEDIA if m != own]
        choices.append((OTHER_SIZE, "another size… (e.g. 100 MB or 1.5 GB)"))

        def chosen(medium: str | None) -> None:
            if medium == OTHER_SIZE:
                prompt = PromptScreen("Medium of the set", "Size of each disc:", "100 MB", validate=_medium_problem)
                self.push_screen(prompt, lambda size: self.plan_stage_set(name, size) if size else None)
            elif medium:
                self.plan_stage_set(name, medium)

        self.push_screen(ChoiceScreen(f"Medium of each disc of {name}", choices), chosen)

    @work(thread=True, exclusive=True, group="set-plan")
    def plan_stage_set(self, name: str, medium: str) -> None:
        entries = self.stage.map_entries()
        paths, places = [e.disk_path for e in entries], [e.iso_path for e in entries]
        try:
            plan = plan_set(name, medium, paths, places)
        except (SetError, ShelfError, OSError) as exc:
            self.call_from_thread(self.notify, str(exc), severity="error")
            return
        self.call_from_thread(self._show_set_plan, plan, lambda ecc: plan_set(name, medium, paths, places, ecc=ecc))

    def _show_set_plan(self, plan: DiscSet, replan: Callable[[int | None], DiscSet] | None = None) -> None:
        from app.tui.screens.set_plan_screen import SetPlanScreen  # (first use, as above)

        drive = self.drive
        notes = []
        if drive is None:
            notes.append("no drive is open: the set is saved; burn it from Sets once one is")
        elif drive.recorder is not None and drive.recorder.medium != plan.medium:
            notes.append(f"{drive.title} holds {drive.recorder.medium} media, not {plan.medium}")
        screen = SetPlanScreen(plan, drive.title if drive else "no drive yet", notes, replan)
        self.push_screen(screen, lambda yes: self.burn_set(screen.plan.name, confirm=False) if yes and drive else None)

    def offer_set(self, lines: list[str]) -> bool:
        """The burn was refused: when the stage is larger than the medium, offer a set."""
        free = self.free_bytes()
        if free is None or self.stage.total_size() <= free:
            return False
        lines = [*lines, "", "The stage is larger than the medium: plan a disc set instead —",
                 "its files across several media, a manifest on each?"]  # fmt: skip

        def answer(yes: bool | None) -> None:
            if yes:
                self.action_plan_set()

        self.push_screen(ConfirmScreen("Cannot burn", lines, yes_label="Plan a disc set"), answer)
        return True

    # -- burning, disc by disc -------------------------------------------------------------

    @work(thread=True, exclusive=True, group="set-burn")
    def burn_set(self, name: str, *, confirm: bool = True, auto_blank: bool = False, swapped: bool = False) -> None:
        """The set's next disc on the open drive: checked first (in this worker)."""
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
        self.call_from_thread(self._disc_checked, plan, disc, drive, check, (confirm, auto_blank, swapped))

    def _disc_checked(self, plan: DiscSet, disc: SetDisc, drive: DriveEntry, check: DiscCheck, how: tuple) -> None:
        confirm, auto_blank, swapped = how
        which = f"disc {disc.number} of {len(plan.discs)}"
        if check.problems:
            lines = [*check.problems, "", f"Nothing was written. {RESUME_HINT}"]
            self.push_screen(ConfirmScreen(f"Cannot burn {which}", lines, notice=True))
        elif check.status != "blank" and swapped:
            self.notify(f"{drive.title} still holds no blank: {RESUME_HINT}", severity="error")
        elif check.status != "blank":
            self._make_way(plan, disc, drive, check, (confirm, auto_blank))
        else:
            target = Target(drive.address, drive.title, check.media)
            job = set_disc_plan(plan, disc, target, self.stage.options.speed)
            self._run_disc(job, confirm)

    def _make_way(self, plan: DiscSet, disc: SetDisc, drive: DriveEntry, check: DiscCheck, how: tuple) -> None:
        """A written medium (or none) is in: shelve or eject it, after asking unless the
        disc before was just burned."""
        confirm, auto_blank = how
        virtual = drive.recorder is not None
        held = f"{check.volume_id} ({check.status})" if check.volume_id else check.status
        lines = [f"Disc {disc.number} of {len(plan.discs)} of {plan.name} needs a blank; {drive.title} holds {held}."]
        if check.volume_id == plan.volume_id(disc):
            lines.append("It is that disc, but its burn was not seen to end: it is burned again.")
        lines.append("It goes onto the shelf (kept, listed) and a new blank goes in." if virtual
                     else "The drive opens; then insert a blank medium.")  # fmt: skip

        def answer(yes: bool | None) -> None:
            if yes:
                self.swap_blank(plan, disc, drive.address, confirm)

        if auto_blank or check.status == "absent":
            answer(True)
        else:
            label = "Insert a blank" if virtual else "Eject"
            self.push_screen(ConfirmScreen("Insert the next blank?", lines, yes_label=label), answer)

    @work(thread=True, exclusive=True, group="set-blank")
    def swap_blank(self, plan: DiscSet, disc: SetDisc, address: str, confirm: bool) -> None:
        step = next_blank(address)
        self.call_from_thread(self._blank_step, plan, disc, address, step, confirm)

    def _blank_step(self, plan: DiscSet, disc: SetDisc, address: str, step: BlankStep, confirm: bool) -> None:
        from app.tui.screens.wait_blank_screen import WaitBlankScreen  # (first use, as above)

        if step.ready:
            self.notify(step.message)
            # The medium put on the shelf joins the drive list now (the folder watch sees
            # the recorders only; it showed after d, "look for drives again").
            self.post_message(DriveChanged(DriveEvent("drives", address, "change")))
            self.burn_set(plan.name, confirm=confirm, swapped=True)
        elif step.wait:
            lines = [f"{step.message} for disc {disc.number} of {len(plan.discs)} of {plan.name}",
                     f"(volume id {plan.volume_id(disc)}); it is burned once the drive reads it blank."]  # fmt: skip

            def came(yes: bool | None) -> None:
                if yes:
                    self.burn_set(plan.name, confirm=False, swapped=True)
                else:
                    self.notify(f"stopped before disc {disc.number}. {RESUME_HINT}")

            self.push_screen(WaitBlankScreen(address, lines), came)
        else:
            self.notify(step.message, severity="error")

    def _run_disc(self, job: Plan, confirm: bool) -> None:
        from app.tui.screens.operation_screen import OperationScreen  # (first use, as above)

        def answer(yes: bool | None) -> None:
            if yes:
                self.push_screen(OperationScreen(job), lambda results: self._after_set_disc(job, results))

        if confirm:
            self.push_screen(ConfirmScreen.for_plan(job), answer)
        else:
            answer(True)

    def _after_set_disc(self, job: Plan, results: object) -> None:
        """The job screen closed: back where we were, then the next disc if this one is done."""
        self._after_operation()
        mark = set_of(job)
        ok = isinstance(results, list) and bool(results) and all(r.outcome == "ok" for r in results)
        if mark is not None and ok:
            self.burn_set(mark[0], confirm=False, auto_blank=True)

    def on_plan_finished(self, message: PlanFinished) -> None:
        """A set disc ended (here, or re-attached after a quit): record it in its set."""
        if set_of(message.finished.plan) is not None:
            self.set_lock.acquire()  # released by the worker once recorded
            self.record_set_disc(message.finished)

    @work(thread=True, group="set-record")
    def record_set_disc(self, done: Finished) -> None:
        try:
            line = finish_disc(done)
        finally:
            self.set_lock.release()
        if line:
            self.call_from_thread(self.notify, line, severity="information" if done.ok else "error", timeout=8)
