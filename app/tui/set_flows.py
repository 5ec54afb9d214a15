"""The App's disc-set flows: plan a set from the stage (its name, the medium, the plan
screen) and list the sets (Sets); burning one disc by disc is set_burn_flows.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from textual import work

from app.archive.sets import (
    DiscSet,
    SetError,
    check_set_name,
    load_set,
    plan_set,
    set_path,
)
from app.drives.listing import DriveEntry
from app.drives.shelf import ShelfError, medium_named
from app.drives.virtual import NOMINAL_MEDIA
from app.stage.model import Stage
from app.tui.screens.choice_screen import ChoiceScreen
from app.tui.screens.confirm_screen import ConfirmScreen
from app.tui.screens.prompt_screen import PromptScreen

OTHER_SIZE = "other"


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
            "Plan a disc set", "Name (A-Z, 0-9, _): the discs are NAME_1_OF_N, …",
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
