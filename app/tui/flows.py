"""The App's operation flows: burn, checkread, blank, format, eject, surface scan.

Each flow checks what it can first (in a worker: preflight, formats), builds the Plan
(app.jobs.plans), asks the Plan's confirmation — which shows its exact argv on request —
and on yes runs that same Plan on an OperationScreen.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from textual import work

from app.drives.listing import DriveEntry
from app.drives.shelf import insert_blank
from app.engine.commands import MapEntry
from app.engine.errors import EngineError
from app.engine.inspect import list_formats
from app.engine.models import SECTOR, Formats, MediumReport
from app.engine.preflight import SizeForecast, forecast_size, preflight_burn
from app.jobs import plans
from app.jobs.plan import Plan
from app.jobs.plans_udf import udf_format_plan
from app.media.contents import already_there, open_contents
from app.media.udf_format import check_label
from app.media.view import short_address, used_blocks
from app.stage.model import BurnMark, Stage
from app.tui.messages import RunPlan
from app.tui.screens.choice_screen import ChoiceScreen
from app.tui.screens.confirm_screen import ConfirmScreen
from app.tui.screens.prompt_screen import PromptScreen

UDF_CHOICE = "udf"
BLANK_CHOICES = [
    ("as_needed", "as needed — what makes this medium writable from scratch"),
    ("fast", "fast — minimal blanking"),
    ("all", "all — the whole medium (slow)"),
    ("deformat_quickest", "deformat quickest — DVD-RW, single session only"),
]


class OperationFlows:
    """Mixed into DiscdeckApp: needs `stage`, `drive` and `report` attributes."""

    stage: Stage
    drive: DriveEntry | None
    report: MediumReport | None
    media_changed: bool
    offer_set: Callable[[list[str]], bool]
    """SetFlows: offer a disc set for a stage larger than the medium (True when it did)."""

    # -- shared facts ----------------------------------------------------------------------

    def capacity_sectors(self) -> int | None:
        """Free sectors to plan against: a virtual recorder's nominal room, else xorriso's."""
        if self.drive is None or self.report is None:
            return None
        if self.drive.recorder is not None:
            if self.report.toc.media.status == "closed":
                return 0
            return max(self.drive.recorder.capacity_blocks - used_blocks(self.report), 0)
        return self.report.toc.media.writable_blocks

    def free_bytes(self) -> int | None:
        sectors = self.capacity_sectors()
        return None if sectors is None else sectors * SECTOR

    def target(self, drive: DriveEntry) -> plans.Target:
        media = self.report.toc.media if self.report else None
        return plans.Target(drive.address, drive.title, media)

    def run_confirmed(self, plan: Plan, *, ask: bool = True) -> None:
        """Ask the Plan's question; only an explicit yes runs it on its own screen."""
        # "Checking…" has served its turn: gone now, it does not expire later over the job
        # screen, whose full repaint then cost ~17 KB on the wire (bench/terminal_bytes.py).
        self.clear_notifications()
        # Imported on first use: the job screen and the job machinery behind it are ~50 ms of
        # imports (python -X importtime, 2026-11-30) that a start without a job does not need.
        from app.tui.screens.operation_screen import OperationScreen

        def answer(yes: bool | None) -> None:
            if yes and not self.refuse_busy(plan):
                self._mark_burning(plan)
                self.push_screen(OperationScreen(plan), self._after_operation)

        if self.refuse_busy(plan):
            return
        if ask:
            self.push_screen(ConfirmScreen.for_plan(plan), answer)
        else:
            answer(True)

    def on_run_plan(self, message: RunPlan) -> None:
        """A screen (the browser's remaster, extract) hands the app a Plan to carry out."""
        self.run_confirmed(message.plan, ask=message.confirm)

    def _plan_or_say(self, build: Callable[[], Plan]) -> Plan | None:
        """Build a Plan; a value the engine refuses is said in one line, nothing runs."""
        try:
            return build()
        except (ValueError, EngineError) as exc:
            self.notify(str(exc), severity="error")
            return None

    def _need_drive(self) -> DriveEntry | None:
        if self.drive is None:
            self.notify("No drive is open: pick one in the drive list first", severity="warning")
        return self.drive

    # -- burn --------------------------------------------------------------------------------

    def action_burn(self) -> None:
        """The stage to the open drive, or to every drive marked (space) when several are."""
        self.copies = 1
        marked = self.marked_drives()
        drive = self._need_drive() if len(marked) < 2 else marked[0]
        if drive is None or not self._stage_ready():
            return
        if len(marked) > 1:
            self.burn_to_several(marked)
            return
        if self.stage.burn_mark is not None:
            self._ask_burn_again(self.stage.burn_mark)
            return
        self.notify("Checking the stage against the medium…", timeout=2)
        self.preflight(drive)

    def _stage_ready(self) -> bool:
        if self.stage.is_empty():
            self.notify(
                "The stage is empty: add files first (a opens the stage)", severity="warning"
            )
            self.action_stage()
            return False
        if self.stage.unscanned():
            self.notify("Still summing folder sizes — try again in a moment", severity="warning")
            return False
        return True

    def _ask_burn_again(self, mark: BurnMark) -> None:
        """A burn of this stage started and was never seen to end: it may be on a disc."""

        def answer(yes: bool | None) -> None:
            if yes:
                self.stage.burn_mark = None
                self.save_stage()
                self.action_burn()

        lines = [
            f"This stage was {mark.describe()},",
            "and discdeck stopped before it saw that burn end:",
            "the disc may already hold these files (i inspects it).",
        ]
        self.push_screen(ConfirmScreen("Burn it again?", lines, yes_label="Burn again"), answer)

    def _mark_burning(self, plan: Plan) -> None:
        """Note on the saved stage that it is being burned, until the finish step clears it."""
        if plan.kind == "burn" and plan.follow.clear_stage:
            started = time.strftime("%Y-%m-%d %H:%M")
            volume_id = self.stage.volume_id
            self.stage.burn_mark = BurnMark(started, volume_id, short_address(plan.drive))
            self.save_stage()

    @work(thread=True, exclusive=True, group="preflight")
    def preflight(self, drive: DriveEntry) -> None:
        entries, options = self.stage.map_entries(), self.stage.options
        removals = list(self.stage.removals)
        try:
            problems = preflight_burn(
                drive.address, entries, options,
                capacity_sectors=drive.recorder.capacity_blocks if drive.recorder else None,
                removals=removals,
            )  # fmt: skip
            forecast = None
            if not problems:
                forecast = forecast_size(drive.address, entries, options, removals)
        except EngineError as exc:
            problems, forecast = [str(exc)], None
        replaced = self._already_on_disc(drive, entries) if not problems else []
        self.call_from_thread(self._confirm_burn, drive, entries, problems, forecast, replaced)

    def _already_on_disc(self, drive: DriveEntry, entries: list[MapEntry]) -> list[str]:
        """The staged paths the medium already holds (shown as replaced in the question)."""
        if self.report is None:
            return []
        try:
            view = open_contents(drive.address, self.report)
            if view is None:
                return []
            with view:
                return already_there(view, [entry.iso_path for entry in entries])
        except (OSError, EngineError):
            return []  # the question is still right without the list; the burn says more

    def _confirm_burn(
        self,
        drive: DriveEntry,
        entries: list[MapEntry],
        problems: list[str],
        forecast: SizeForecast | None,
        replaced: list[str],
    ) -> None:
        if problems:
            lines = [*problems, "", "Nothing was written."]
            if not self.offer_set(lines):  # larger than the medium: a disc set instead?
                self.push_screen(ConfirmScreen("Cannot burn", lines, notice=True))
            return
        plan = self._plan_or_say(
            lambda: plans.burn_plan(
                self.target(drive),
                entries,
                self.stage.options,
                files=self.stage.total_files(),
                image_sectors=forecast.image_sectors if forecast else None,
                from_stage=True,
                warnings=forecast.warnings if forecast else (),
                removals=self.stage.removals,
                replaced=replaced,
            )
        )
        if plan is not None and self.copies > 1:
            self.run_copies_confirmed(plan, self.copies)
        elif plan is not None:
            self.run_confirmed(plan)

    def clear_burned_stage(self, entries: Sequence[MapEntry]) -> bool:
        """A burned stage is on the disc now: clear it so the next session starts empty
        (burning it again would only write the same files twice). Only if it still holds
        exactly what was burned."""
        if self.stage.is_empty() or self.stage.map_entries() != list(entries):
            return False
        self.stage.clear()
        self.save_stage()
        self.notify("The stage was burned and is now empty, ready for the next session.")
        return True

    # -- checkread, blank, format, eject, scan -----------------------------------------------

    def _simple(self, build: Callable[[plans.Target], Plan]) -> None:
        drive = self._need_drive()
        if drive is not None and (plan := self._plan_or_say(lambda: build(self.target(drive)))):
            self.run_confirmed(plan)

    def action_check(self) -> None:
        self._simple(plans.check_plan)

    def action_eject(self) -> None:
        self._simple(plans.eject_plan)

    def action_surface(self) -> None:
        self._simple(plans.surface_plan)

    def action_blank(self) -> None:
        drive = self._need_drive()
        if drive is None:
            return

        def chosen(mode: str | None) -> None:
            if mode:
                self._simple(lambda target: plans.blank_plan(target, mode))

        self.push_screen(ChoiceScreen("Blank mode", BLANK_CHOICES), chosen)

    def action_format(self) -> None:
        drive = self._need_drive()
        if drive is not None:
            self.load_formats(drive)

    @work(thread=True, exclusive=True, group="formats")
    def load_formats(self, drive: DriveEntry) -> None:
        try:
            formats = list_formats(drive.address)
        except EngineError as exc:
            self.call_from_thread(self.notify, str(exc), severity="error")
            return
        self.call_from_thread(self._choose_format, drive, formats)

    def _choose_format(self, drive: DriveEntry, formats: Formats) -> None:
        """xorriso's formats of an MMC medium, and "for UDF" (mkudffs) on any medium or
        image file (an image needs no other formatting)."""
        choices = [(UDF_CHOICE, "for UDF (mkudffs): a big floppy, mounted read-write")]
        if formats.applicable:
            choices.append(
                ("as_needed", f"as needed — current status: {formats.status or 'unknown'}")
            )
            choices += [
                (f"by_index_{e.index}", f"format {e.index}: type {e.type_code:02X}h, {e.size_text}")
                for e in formats.entries
            ]

        def chosen(mode: str | None) -> None:
            if mode == UDF_CHOICE:
                self._ask_udf_label()
            elif mode:
                self._simple(lambda target: plans.format_plan(target, mode))

        self.push_screen(ChoiceScreen("Format", choices), chosen)

    def _ask_udf_label(self) -> None:
        """The label, checked as typed; then the plan's confirmation (everything is lost)."""

        def validate(value: str) -> str | None:
            try:
                check_label(value)
            except ValueError as exc:
                return str(exc)
            return None

        def chosen(label: str | None) -> None:
            if label:
                self._simple(lambda target: udf_format_plan(target, label))

        self.push_screen(
            PromptScreen(
                "Format for UDF", "Label of the UDF volume?", "DISCDECK", validate=validate
            ),
            chosen,
        )

    def action_new_blank(self) -> None:
        """A virtual recorder gets a new blank; the medium it held goes onto the shelf."""
        drive = self._need_drive()
        if drive is None:
            return
        if drive.recorder is None or drive.detail.startswith("on the shelf"):
            self.notify("Only a virtual recorder takes a new blank (r re-reads a real drive)")
            return

        def answer(yes: bool | None) -> None:
            if not yes:
                return
            try:
                kept = insert_blank(drive.recorder)
            except OSError as exc:
                self.notify(f"could not shelve the medium: {exc}", severity="error")
                return
            if kept is not None:
                self.notify(
                    f"{drive.title} holds a new blank; the medium is on the shelf as {kept.recorder.name}"
                )
            self.media_changed = True
            self._after_operation()
            if hasattr(self.screen, "action_rescan"):
                self.screen.action_rescan()

        lines = [
            f"Put the medium in {drive.title} onto the shelf (kept, listed, openable)",
            "and insert a new blank. Nothing is deleted.",
        ]
        self.push_screen(ConfirmScreen("Insert a new blank?", lines, yes_label="Insert"), answer)

    def _after_operation(self, _results: object = None) -> None:
        """Show the medium's true state wherever we are back to (the main screen re-reads)."""
        screen = self.screen
        if hasattr(screen, "read_current"):
            self.media_changed = False
            screen.read_current()
        elif hasattr(screen, "refresh_stage"):
            screen.refresh_stage()
