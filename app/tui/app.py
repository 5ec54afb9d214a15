"""DiscdeckApp: the Textual application shell; screens and flows do the work."""

from __future__ import annotations

from pathlib import Path

from textual import work
from textual.app import App
from textual.binding import Binding

import styles
from app.config import recorders_dir
from app.drives.listing import DriveEntry
from app.drives.monitor import DriveMonitor
from app.engine.address import parse_address
from app.engine.errors import EngineError
from app.engine.models import SECTOR, MediumReport
from app.engine.preflight import forecast_size
from app.jobs.reattach import RunningOp, journal_of, orphaned_operations, plan_of, unreachable
from app.stage.model import Stage
from app.stage.projects import check_project_name, list_projects, load_project, save_project
from app.stage.store import StageFileError, autosave_path, load_stage, save_stage
from app.tui.commands import DiscdeckCommands
from app.tui.flows import OperationFlows
from app.tui.image_flows import ImageFlows
from app.tui.job_flows import JobFlows
from app.tui.messages import DriveChanged, DriveOpened, MediumChanged, MediumRead
from app.tui.multi_flows import MultiFlows
from app.tui.screens.choice_screen import ChoiceScreen
from app.tui.screens.help_screen import HelpScreen
from app.tui.screens.main_screen import MainScreen
from app.tui.screens.prompt_screen import PromptScreen
from app.tui.set_burn_flows import SetBurnFlows
from app.tui.set_flows import SetFlows
from app.tui.typeahead import TypeAhead


class DiscdeckApp(JobFlows, MultiFlows, SetFlows, SetBurnFlows, OperationFlows, ImageFlows, TypeAhead, App):
    TITLE = "discdeck"
    CSS_PATH = str(Path(styles.__file__).parent / "discdeck.tcss")
    BINDINGS = [
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
        Binding("ctrl+s", "save_project", "Save project", show=False),
        Binding("ctrl+o", "open_project", "Open project", show=False),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("q", "quit", "Quit"),
        Binding("J", "jobs", "Jobs", show=False),
    ]
    COMMANDS = App.COMMANDS | {DiscdeckCommands}
    # Every screen gets one class of each pair (styles/discdeck.tcss): under 80 columns the
    # panes shrink or stack, under 24 rows the less important ones hide.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (80, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (24, "-tall")]

    def __init__(self, address: str | None = None, *, stage: Stage | None = None) -> None:
        super().__init__()
        self.address = address
        self.drive: DriveEntry | None = None
        self.report: MediumReport | None = None
        self.media_changed = False
        """An operation changed the medium: the main screen re-reads when it shows again."""
        self.stage_problem: str | None = None
        self.browse_on_start = False
        """--image: open the session browser as soon as the medium is read."""
        self.stage_start_dir: str | None = None
        """Where the stage's file browser starts (default: the working directory)."""
        self.stage = stage if stage is not None else self._load_stage()

    def _load_stage(self) -> Stage:
        """The autosaved stage from the last run; a corrupt file is kept aside, not lost."""
        path = autosave_path()
        if not path.exists():
            return Stage()
        try:
            return load_stage(path)
        except StageFileError as exc:
            aside = path.with_suffix(".corrupt.json")
            path.replace(aside)
            self.stage_problem = f"{exc} — kept as {aside}; starting with an empty stage"
            return Stage()

    def on_mount(self) -> None:
        self.push_screen(MainScreen(self.address))
        self.monitor = DriveMonitor(
            lambda event: self.post_message(DriveChanged(event)), folder=recorders_dir(),
            image=lambda: parse_address(self.drive.address).path if self.drive and self.drive.recorder else None,
        )  # fmt: skip
        # In a thread: pyudev and its netlink socket stay out of the way of the first read.
        self.run_worker(self.monitor.start, thread=True, group="monitor")
        if self.stage_problem:
            self.notify(self.stage_problem, severity="warning", timeout=10)
        self._reattach()

    def _reattach(self) -> None:
        """Show again the jobs an earlier discdeck left running (or their results)."""

        try:
            runs = orphaned_operations()
        except (OSError, EngineError) as exc:
            self.notify(f"could not look for running jobs: {exc}", severity="warning")
            return
        if not runs:
            return
        here = [run for run in runs if parse_address(run.address).remote is None]
        for run in here:
            self._attach(run)
        if len(here) < len(runs):
            self._attach_remote([run for run in runs if run not in here])

    def _attach(self, run: RunningOp) -> None:
        # The job screen is imported only when a job exists (~50 ms, see flows.run_confirmed).
        from app.tui.screens.operation_screen import OperationScreen

        screen = OperationScreen(
            plan_of(run), attach_to=run.run_dir, journal_dir=journal_of(run),
            title=f"Re-attached: {run.describe()}",
        )  # fmt: skip
        self.push_screen(screen, self._after_operation)

    @work(thread=True, group="reattach")
    def _attach_remote(self, runs: list[RunningOp]) -> None:
        """Jobs left running on other machines: each host is tried once, briefly, in this
        worker (the start never waits on it); one that does not answer is named, and its
        record kept for the next start."""
        for run in runs:
            why = unreachable(run)
            if why is None:
                self.call_from_thread(self._attach, run)
            else:
                self.call_from_thread(
                    self.notify, f"{run.describe()}: unreachable, re-attach later ({why}); "
                    "discdeck tries again when started again", severity="warning", timeout=20,
                )  # fmt: skip

    def on_drive_changed(self, message: DriveChanged) -> None:
        """Within a second of a drive or medium coming or going, the main screen shows it."""
        main = next((s for s in self.screen_stack if isinstance(s, MainScreen)), None)
        if main is None:
            return
        if message.event.kind == "drives":
            self.cancel_vanished_jobs()
            main.find_drives()
            return
        drive = self.drive
        if drive is None or parse_address(drive.address).path != message.event.device:
            return
        if self.jobs.busy_drive(drive.address) is not None:
            return  # our own job is writing it: re-read once, when the job ends
        if self.screen is main:
            main.read_current()
        else:
            self.media_changed = True  # re-read when the main screen shows again

    def on_unmount(self) -> None:
        monitor = getattr(self, "monitor", None)
        if monitor is not None:
            monitor.stop()

    def on_drive_opened(self, message: DriveOpened) -> None:
        self.drive = message.entry
        self.report = None

    def on_medium_read(self, message: MediumRead) -> None:
        """The main screen read the open drive's medium (its message bubbles up here)."""
        if self.drive is not None and message.address == self.drive.address:
            self.report = message.report

    def on_medium_changed(self, message: MediumChanged) -> None:
        """A job re-read the medium: keep what it saw, and re-read it on the main screen."""
        self.report = message.report
        self.media_changed = True

    def action_save_project(self) -> None:

        def chosen(name: str | None) -> None:
            if not name:
                return
            try:
                path = save_project(self.stage, name)
            except (ValueError, OSError) as exc:
                self.notify(f"could not save: {exc}", severity="error")
                return
            self.notify(f"project saved as {path}")

        self.push_screen(
            PromptScreen(
                "Save project",
                "Name of this stage:",
                self.stage.volume_id,
                validate=check_project_name,
            ),
            chosen,
        )

    def action_open_project(self) -> None:

        names = list_projects()
        if not names:
            self.notify("No saved projects yet: ctrl+s saves the stage as one", severity="warning")
            return

        def chosen(name: str | None) -> None:
            if not name:
                return
            try:
                stage = load_project(name)
            except StageFileError as exc:
                self.notify(str(exc), severity="error")
                return
            self.stage = stage
            self.save_stage()
            problems = [p for _path, node in stage.walk() for p in node.errors if node.missing]
            if problems:
                self.notify(
                    f"opened {name}: {len(problems)} entr{'y' if len(problems) == 1 else 'ies'} "
                    "changed or vanished since (marked ⚠ on the stage)",
                    severity="warning",
                    timeout=8,
                )
            else:
                self.notify(f"opened project {name}")
            if hasattr(self.screen, "refresh_stage"):
                self.screen.refresh_stage()

        self.push_screen(ChoiceScreen("Open project", [(n, n) for n in names]), chosen)

    def save_stage(self) -> None:
        try:
            save_stage(self.stage, autosave_path())
        except OSError as exc:
            self.notify(f"could not autosave the stage: {exc}", severity="error")

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_stage(self) -> None:
        # On first use: the stage screen and its file browser are ~20 ms of imports.
        from app.tui.screens.stage_screen import StageScreen

        self.push_screen(StageScreen(self.stage_start_dir))

    def action_catalog(self) -> None:
        # On first use: the catalog and its screens (sqlite3, plotext) are not needed before.
        from app.tui.screens.catalog_screen import CatalogScreen

        if not isinstance(self.screen, CatalogScreen):
            self.push_screen(CatalogScreen())

    def request_forecast(self) -> None:
        """Ask xorriso for the exact image size of the stage (in a worker)."""
        if self.drive is None or self.stage.is_empty() or self.stage.unscanned():
            return
        self.forecast(self.drive.address)

    @work(thread=True, exclusive=True, group="forecast")
    def forecast(self, address: str) -> None:
        try:
            stage = self.stage
            result = forecast_size(address, stage.map_entries(), stage.options, stage.removals)
        except (EngineError, ValueError, OSError):
            return
        self.call_from_thread(self._forecast_ready, result.image_sectors * SECTOR)

    def _forecast_ready(self, image_bytes: int) -> None:
        handler = getattr(self.screen, "on_forecast_ready", None)
        if handler is not None:
            handler(image_bytes)
