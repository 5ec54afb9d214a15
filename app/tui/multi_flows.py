"""The App's burns beyond one disc: the stage to several marked drives at once (one session
image, written to each), and N copies in a row on one drive.

Both ask first, like every burn, and run in the job registry: each drive's state shows in
the drive list, and `o` or `J` opens a job's screen.
"""

from __future__ import annotations

from textual import work

from app.drives.listing import DriveEntry
from app.engine.errors import EngineError
from app.engine.preflight import forecast_size, preflight_burn
from app.jobs import plans
from app.jobs.copies import copies_runner
from app.jobs.multi import several_drives
from app.jobs.registry import busy_message
from app.media.view import short_address, size_text
from app.tui.screens.confirm_screen import ConfirmScreen
from app.tui.screens.prompt_screen import PromptScreen

MAX_COPIES = 99


def copies_problem(text: str) -> str | None:
    """The number of copies as typed: 2 to 99."""
    if not text.strip().isdigit() or not 2 <= int(text) <= MAX_COPIES:
        return f"type a number of copies from 2 to {MAX_COPIES}"
    return None


class MultiFlows:
    """Mixed into DiscdeckApp, after OperationFlows and JobFlows."""

    copies: int = 1
    """Copies asked for the burn being checked (K); 1: a plain burn."""

    def marked_drives(self) -> list[DriveEntry]:
        main = self._main_screen()
        return main.marked_drives() if main is not None else []

    # -- several drives ----------------------------------------------------------------------

    def burn_to_several(self, drives: list[DriveEntry]) -> None:
        for drive in drives:
            running = self.jobs.busy_drive(drive.address)
            if running is not None:
                self.notify(busy_message(running), severity="error")
                return
        self.notify(f"Checking the stage against {len(drives)} drives…", timeout=2)
        self.preflight_several(drives)

    @work(thread=True, exclusive=True, group="preflight")
    def preflight_several(self, drives: list[DriveEntry]) -> None:
        entries, options = self.stage.map_entries(), self.stage.options
        problems: list[str] = []
        size = None
        for drive in drives:
            try:
                found = preflight_burn(
                    drive.address, entries, options,
                    capacity_sectors=drive.recorder.capacity_blocks if drive.recorder else None,
                )  # fmt: skip
                if size is None and not found:
                    size = forecast_size(drive.address, entries, options).image_sectors
            except EngineError as exc:
                found = [str(exc)]
            problems += [f"{drive.title}: {problem}" for problem in found]
        self.call_from_thread(self._confirm_several, drives, problems, size)

    def _confirm_several(self, drives: list[DriveEntry], problems: list[str], size: int | None) -> None:
        if problems:
            lines = [*problems, "", "Nothing was written. Unmark a drive with space, or fix it."]
            self.push_screen(ConfirmScreen("Cannot burn to these drives", lines, notice=True))
            return
        options = self.stage.options
        lines = [
            f"Drives:  {', '.join(d.title for d in drives)}",
            f"Session: {self.stage.total_files():,} file{'' if self.stage.total_files() == 1 else 's'}, "
            f"{size_text(size)} as volume {options.volume_id}",
            "How:     one session image (in the state folder), written to",
            "         every drive at once and compared; removed after.",
            f"Options: speed {options.speed}, verify {'on' if options.verify else 'off'}"
            + (", SIMULATION (nothing written)" if options.dummy else ""),
            "Needs blank (or overwritable) media; the stage is kept.",
        ]

        def answer(yes: bool | None) -> None:
            if yes:
                self._start_several(drives)

        question = ConfirmScreen(f"Burn to {len(drives)} drives?", lines, yes_label="Burn all")
        self.push_screen(question, answer)

    def _start_several(self, drives: list[DriveEntry]) -> None:
        targets = [plans.Target(d.address, d.title) for d in drives]
        jobs = several_drives(targets, self.stage.map_entries(), self.stage.options)
        for plan, runner in jobs:
            self.start_running_job(plan, runner=runner)
        self.notify(f"Burning to {len(jobs)} drives: o shows the selected drive's job, J every job")

    # -- copies in a row -----------------------------------------------------------------------

    def action_burn_copies(self) -> None:
        """Burn the stage N times on the open drive: burn, verify, eject (or shelve), wait."""
        drive = self._need_drive()
        if drive is None or not self._stage_ready():
            return

        def chosen(text: str | None) -> None:
            if text:
                self.copies = int(text)
                self.notify("Checking the stage against the medium…", timeout=2)
                self.preflight(drive)

        self.push_screen(
            PromptScreen("Copies in a row", "How many copies?", "2", validate=copies_problem),
            chosen,
        )

    def run_copies_confirmed(self, plan: plans.Plan, copies: int) -> None:
        """The burn's own question, with what copies add; on yes the row runs as one job."""
        how = "shelve the copy, insert a blank" if self.drive and self.drive.recorder else (
            "eject, wait for the next blank medium"
        )
        lines = [
            *plan.confirm.lines,
            f"Copies:  {copies} in a row — burn, verify, {how}, again;",
            "         a failed copy stops the row; a summary of every copy at the end.",
        ]
        question = ConfirmScreen(f"Burn {copies} copies?", lines, yes_label=f"Burn {copies}")

        def answer(yes: bool | None) -> None:
            if yes and not self.refuse_busy(plan):
                self._mark_burning(plan)
                title = f"{copies} copies on {plan.drive_title or short_address(plan.drive)}"
                running = self.start_running_job(plan, runner=copies_runner(plan, copies), title=title)
                if running is not None:
                    self.open_job(running)

        self.push_screen(question, answer)
