"""The App's operation flows: burn, checkread, blank, format, eject.

Each flow checks what it can first (in a worker: preflight, formats), asks for a
confirmation that names the drive, the medium and what will be lost, shows the exact
xorriso argv on request, then hands the job to an OperationScreen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work

from app.config import ensure_dir, state_dir
from app.drives.listing import DriveEntry
from app.engine import commands as cmd
from app.engine.errors import EngineError
from app.engine.inspect import list_formats
from app.engine.models import SECTOR, MediumReport
from app.engine.runner import base_argv
from app.media.view import short_address, size_text, used_blocks
from app.stage.model import Stage
from app.tui.screens.confirm_screen import ConfirmScreen

if TYPE_CHECKING:
    from app.tui.screens.operation_screen import OperationPlan

BLANK_MODES = ["as_needed", "fast", "all", "deformat_quickest"]


def journal_dir():
    return ensure_dir(state_dir() / "journal")


def burn_options(stage: Stage) -> cmd.BurnOptions:
    o = stage.options
    return cmd.BurnOptions(
        volume_id=stage.volume_id,
        close=o.close,
        dummy=o.dummy,
        speed=o.speed,
        md5=o.md5,
        joliet=o.joliet,
        verify=o.verify,
    )


def map_entries(stage: Stage) -> list[cmd.MapEntry]:
    return [cmd.MapEntry(disk, iso) for disk, iso in stage.entries()]


class OperationFlows:
    """Mixed into DiscdeckApp: needs `stage`, `drive` and `report` attributes."""

    stage: Stage
    drive: DriveEntry | None
    report: MediumReport | None
    media_changed: bool

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

    def _confirm_then_run(self, confirm: ConfirmScreen, plan: OperationPlan, after=None) -> None:
        """Ask first; only an explicit yes starts the job on its own screen."""
        from app.tui.screens.operation_screen import OperationScreen

        def answer(yes: bool | None) -> None:
            if yes:
                self.push_screen(OperationScreen(plan), after or self._after_operation)

        self.push_screen(confirm, answer)

    def _need_drive(self) -> DriveEntry | None:
        if self.drive is None:
            self.notify("No drive is open: pick one in the drive list first", severity="warning")
        return self.drive

    # -- burn --------------------------------------------------------------------------------

    def action_burn(self) -> None:
        drive = self._need_drive()
        if drive is None:
            return
        if self.stage.is_empty():
            self.notify(
                "The stage is empty: add files first (a opens the stage)", severity="warning"
            )
            self.action_stage()
            return
        if self.stage.unscanned():
            self.notify("Still summing folder sizes — try again in a moment", severity="warning")
            return
        self.notify("Checking the stage against the medium…", timeout=2)
        self.preflight(drive)

    @work(thread=True, exclusive=True, group="preflight")
    def preflight(self, drive: DriveEntry) -> None:
        from app.engine import operations as ops

        entries, options = map_entries(self.stage), burn_options(self.stage)
        try:
            problems = ops.preflight_burn(
                drive.address, entries, options, capacity_sectors=self.capacity_sectors()
            )
            forecast = ops.forecast_size(drive.address, entries, options) if not problems else None
        except EngineError as exc:
            problems, forecast = [str(exc)], None
        self.call_from_thread(self._confirm_burn, drive, problems, forecast)

    def _confirm_burn(self, drive: DriveEntry, problems: list[str], forecast) -> None:
        from app.engine import operations as ops
        from app.tui.screens.operation_screen import OperationPlan

        if problems:
            self.push_screen(
                ConfirmScreen(
                    "Cannot burn", [*problems, "", "Nothing was written."], yes_label="OK"
                )
            )
            return
        entries, options = map_entries(self.stage), burn_options(self.stage)
        argv = [*base_argv(), *cmd.burn_commands(drive.address, entries, options)]
        media = self.report.toc.media if self.report else None
        size = forecast.image_sectors if forecast else None
        mode = "close the medium (no more sessions)" if options.close else "leave it appendable"
        if media and media.status == "appendable":
            mode = f"add session {media.sessions_count + 1}, then " + mode
        lines = [
            f"Drive:   {drive.title} ({short_address(drive.address)})",
            f"Medium:  {media.status if media else '?'}, {media.sessions_count if media else 0} session(s)",
            f"Session: {self.stage.total_files():,} files, {size_text(size)} as volume {options.volume_id}",
            f"Then:    {mode}",
            f"Options: speed {options.speed}, MD5 {'on' if options.md5 else 'off'}, "
            f"verify {'on' if options.verify else 'off'}"
            + (", SIMULATION (nothing written)" if options.dummy else ""),
        ]
        if options.close:
            lines.append("Closing is final on write-once media.")

        verify = None
        if cmd.checkread_after(options):
            verify = lambda: ops.start_check(drive.address, journal_dir=journal_dir())  # noqa: E731
        plan = OperationPlan(
            title=f"Burning to {drive.title}",
            address=drive.address,
            start=lambda: ops.start_burn(
                drive.address, entries, options, journal_dir=journal_dir()
            ),
            verify=verify,
            buffers=True,
        )
        self._confirm_then_run(
            ConfirmScreen("Burn this session?", lines, argv=argv, yes_label="Burn"),
            plan,
            self._after_burn,
        )

    # -- checkread, blank, format, eject -----------------------------------------------------

    def action_check(self) -> None:
        from app.engine import operations as ops
        from app.tui.screens.operation_screen import OperationPlan

        drive = self._need_drive()
        if drive is None:
            return
        argv = [*base_argv(), *cmd.check_commands(drive.address)]
        lines = [
            f"Read every file on {drive.title} and compare it with the MD5 tag",
            "written with it. Nothing is written.",
        ]

        plan = OperationPlan(
            title=f"Checkread of {drive.title}",
            address=drive.address,
            start=lambda: ops.start_check(drive.address, journal_dir=journal_dir()),
        )
        self._confirm_then_run(
            ConfirmScreen("Checkread?", lines, argv=argv, yes_label="Check"), plan
        )

    def action_blank(self) -> None:
        drive = self._need_drive()
        if drive is None:
            return
        from app.tui.screens.choice_screen import ChoiceScreen

        def chosen(mode: str | None) -> None:
            if mode:
                self._confirm_blank(drive, mode)

        self.push_screen(
            ChoiceScreen(
                "Blank mode",
                [
                    ("as_needed", "as needed — what makes this medium writable from scratch"),
                    ("fast", "fast — minimal blanking"),
                    ("all", "all — the whole medium (slow)"),
                    ("deformat_quickest", "deformat quickest — DVD-RW, single session only"),
                ],
            ),
            chosen,
        )

    def _confirm_blank(self, drive: DriveEntry, mode: str) -> None:
        from app.engine import operations as ops
        from app.tui.screens.operation_screen import OperationPlan

        media = self.report.toc.media if self.report else None
        lost = (
            f"{media.sessions_count} session(s), {size_text(media.data_blocks)} of data"
            if media
            else "everything on it"
        )
        argv = [*base_argv(), *cmd.blank_commands(drive.address, mode)]

        plan = OperationPlan(
            title=f"Blanking {drive.title} ({mode})",
            address=drive.address,
            start=lambda: ops.start_blank(drive.address, mode, journal_dir=journal_dir()),
        )
        self._confirm_then_run(
            ConfirmScreen(
                "Blank the medium?",
                [
                    f"Drive:  {drive.title} ({short_address(drive.address)})",
                    f"Mode:   {mode}",
                    f"Lost:   {lost}. This cannot be undone.",
                ],
                argv=argv,
                yes_label="Blank",
                danger=True,
            ),
            plan,
        )

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

    def _choose_format(self, drive: DriveEntry, formats) -> None:
        from app.engine import operations as ops
        from app.tui.screens.choice_screen import ChoiceScreen
        from app.tui.screens.operation_screen import OperationPlan

        if not formats.applicable:
            self.notify(
                f"{drive.title} is not an MMC drive: formatting does not apply "
                "(image files need no formatting)",
                severity="warning",
            )
            return
        choices = [("as_needed", f"as needed — current status: {formats.status or 'unknown'}")]
        choices += [
            (f"by_index_{e.index}", f"format {e.index}: type {e.type_code:02X}h, {e.size_text}")
            for e in formats.entries
        ]

        def chosen(mode: str | None) -> None:
            if not mode:
                return
            argv = [*base_argv(), *cmd.format_commands(drive.address, mode)]

            plan = OperationPlan(
                title=f"Formatting {drive.title}",
                address=drive.address,
                start=lambda: ops.start_format(drive.address, mode, journal_dir=journal_dir()),
            )
            self._confirm_then_run(
                ConfirmScreen(
                    "Format the medium?",
                    [f"Drive: {drive.title}", f"Format: {mode}", "Data on the medium may be lost."],
                    argv=argv,
                    yes_label="Format",
                    danger=True,
                ),
                plan,
            )

        self.push_screen(ChoiceScreen("Format", choices), chosen)

    def action_surface(self) -> None:
        from app.engine.surface import start_surface_scan, surface_commands
        from app.tui.screens.operation_screen import OperationPlan

        drive = self._need_drive()
        if drive is None:
            return
        argv = [*base_argv(), *surface_commands(drive.address, "(a temporary abort file)")]
        plan = OperationPlan(
            title=f"Surface scan of {drive.title}",
            address=drive.address,
            start=lambda: start_surface_scan(drive.address, journal_dir=journal_dir()),  # type: ignore[return-value]
        )
        lines = [
            f"Read every block of {drive.title} and draw which ones read well,",
            "slowly or not at all. Nothing is written; esc stops it and keeps the map so far.",
        ]
        self._confirm_then_run(
            ConfirmScreen("Surface scan?", lines, argv=argv, yes_label="Scan"), plan
        )

    def action_eject(self) -> None:
        from app.engine import operations as ops
        from app.tui.screens.operation_screen import OperationPlan

        drive = self._need_drive()
        if drive is None:
            return
        argv = [*base_argv(), *cmd.eject_commands(drive.address)]

        plan = OperationPlan(
            title=f"Ejecting {drive.title}",
            address=drive.address,
            start=lambda: ops.start_eject(drive.address, journal_dir=journal_dir()),
        )
        self._confirm_then_run(
            ConfirmScreen(
                "Eject?", [f"Open the tray of {drive.title}."], argv=argv, yes_label="Eject"
            ),
            plan,
        )

    def _after_burn(self, results: list | None = None) -> None:
        """A burned stage is on the disc now: clear it so the next session starts empty
        (burning it again would only write the same files twice)."""
        burned = next((r for r in results or [] if r.kind == "burn"), None)
        if burned is not None and burned.outcome == "ok" and not self.stage.options.dummy:
            self.stage.clear()
            self.save_stage()
            self.notify("The stage was burned and is now empty, ready for the next session.")
        self._after_operation(results)

    def _after_operation(self, _results: object = None) -> None:
        """Show the medium's true state wherever we are back to (the main screen re-reads)."""
        screen = self.screen
        if hasattr(screen, "read_current"):
            self.media_changed = False
            screen.read_current()
        elif hasattr(screen, "refresh_stage"):
            screen.refresh_stage()
