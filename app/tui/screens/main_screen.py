"""MainScreen: drives, the selected drive's medium, its TOC and a log.

Reading a drive happens in a thread worker; the screen shows a loading state meanwhile
and never waits on xorriso itself.
"""

from __future__ import annotations

import threading
import time

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from app.drives.discovery import busy_detail
from app.drives.listing import DriveEntry, gather_drives
from app.engine.errors import DriveError, EngineError
from app.engine.inspect import read_medium
from app.engine.models import MediumReport
from app.iso.udf import name_filesystem
from app.media.view import describe_medium, short_address
from app.tui.messages import DriveOpened, DrivesFound, MediumFailed, MediumRead, RemoteDrivesFound
from app.tui.screens.journal_screen import JournalScreen
from app.tui.screens.slots_screen import SlotsScreen
from widgets.disc_map import DiscMap, MapSegment
from widgets.drive_list import DriveList
from widgets.log_pane import LogPane
from widgets.media_panel import MediaPanel
from widgets.toc_table import TocTable

FIRST_READ_HEAD_START = 2.0
"""Seconds the optical scan waits for the first medium read (mostly ~30 ms) to finish."""


class MainScreen(Screen):
    BINDINGS = [
        Binding("a", "app.stage", "Add files"),
        Binding("b", "app.burn", "Burn"),
        Binding("c", "app.check", "Check"),
        Binding("B", "app.blank", "Blank", show=False),
        Binding("F", "app.format", "Format", show=False),
        Binding("e", "app.eject", "Eject", show=False),
        Binding("i", "browse", "Inspect"),
        Binding("s", "app.surface", "Scan", show=False),
        Binding("w", "app.write_image", "Write image", show=False),
        Binding("v", "app.verify_image", "Verify image", show=False),
        Binding("R", "app.read_image", "Read to image", show=False),
        Binding("C", "app.copy", "Copy", show=False),
        Binding("N", "app.new_blank", "New blank", show=False),
        Binding("S", "app.sets", "Disc sets", show=False),
        Binding("j", "journal", "Journal"),
        Binding("f", "app.catalog", "Catalog", show=False),
        Binding("L", "slots", "Jukebox", show=False),
        Binding("r", "reread", "Re-read", show=False),
        Binding("d", "rescan", "Drives", show=False),
        Binding("o", "app.open_job", "Job", show=False),
        Binding("J", "app.jobs", "Jobs", show=False),
        Binding("K", "app.burn_copies", "Copies", show=False),
    ]

    def __init__(self, address: str | None = None) -> None:
        super().__init__()
        self.explicit = address
        self.entries: list[DriveEntry] = []
        self.remote_entries: list[DriveEntry] = []
        """Rows of the remote hosts (headings, their drives), after the local drives."""
        self.current: DriveEntry | None = None
        self.report: MediumReport | None = None
        """The open drive's medium as last read (the app keeps its own copy)."""
        self._first_read_done = threading.Event()

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="top"):
            with Vertical(id="drives-box") as box:
                box.border_title = "Drives"
                yield DriveList(id="drives")
            with Vertical(id="media-box") as box:
                box.border_title = "Medium"
                yield MediaPanel(id="media")
        with Vertical(id="toc-box") as box:
            box.border_title = "Sessions (TOC)"
            yield TocTable(id="toc")
        yield DiscMap(id="disc-map")
        yield Static("", id="summary")
        yield LogPane(id="log")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(MediaPanel).show_message("Looking for drives…")
        self.find_drives()
        self.find_remote_drives()

    def on_unmount(self) -> None:
        self._first_read_done.set()  # never keep the drives worker waiting at exit

    # -- drives -------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="drives")
    def find_drives(self) -> None:
        """Virtual recorders (and --dev) first, so one opens at once; optical drives after."""
        try:
            quick = gather_drives(self.explicit, optical=False)
            self.post_message(DrivesFound(quick, final=False))
            if quick:  # the optical scan (pyudev, xorriso -devices) must not slow that read
                self._first_read_done.wait(timeout=FIRST_READ_HEAD_START)
            self.post_message(DrivesFound(gather_drives(self.explicit)))
        except EngineError as exc:
            self.post_message(MediumFailed("", str(exc)))

    @work(thread=True, exclusive=True, group="remote-drives")
    def find_remote_drives(self) -> None:
        """The config's remote hosts and their drives, in a worker of their own: a slow or
        unreachable host (ssh's ConnectTimeout) never holds up the local drives."""
        # Imported here: the ssh machinery is needed only when hosts are configured.
        from app.drives.remote_hosts import configured_hosts, remote_drives
        from app.drives.remote_listing import asking_rows, host_rows

        try:
            hosts = configured_hosts()
        except EngineError as exc:
            self.post_message(RemoteDrivesFound([], (str(exc),)))
            return
        if hosts:
            self.post_message(RemoteDrivesFound(asking_rows(hosts)))
            found = remote_drives(hosts)
            problems = tuple(f"{h.host.name} unreachable: {h.error}" for h in found if h.error)
            self.post_message(RemoteDrivesFound(host_rows(found), problems))

    def on_remote_drives_found(self, message: RemoteDrivesFound) -> None:
        self.remote_entries = message.entries
        for problem in message.problems:
            self.log_note(problem, level="warning")
        self._show_drives(self.current.address if self.current else None)

    def _show_drives(self, wanted: str | None) -> None:
        drive_list = self.query_one(DriveList)
        drive_list.set_entries([*self.entries, *self.remote_entries], current=wanted)
        drive_list.set_states(self.app.jobs.states())

    def on_drives_found(self, message: DrivesFound) -> None:
        self.entries = message.entries
        keep = self.current.address if self.current else None
        wanted = keep or (message.entries[0].address if message.entries else None)
        self._show_drives(wanted)
        optical = [e for e in message.entries if not e.virtual and e.detail != "image file"]
        if message.final and optical:
            self.log_note(
                f"found {len(optical)} optical drive(s): " + ", ".join(e.title for e in optical)
            )
        chosen = next((e for e in message.entries if e.address == wanted), None)
        if chosen and (self.current is None or chosen.address != self.current.address):
            self.open_drive(chosen)

    def show_job_states(self, states: dict[str, str]) -> None:
        for drive_list in self.query(DriveList):  # none while the app shuts down
            drive_list.set_states(states)

    def selected_address(self) -> str | None:
        """The highlighted drive (the open one when nothing is highlighted)."""
        entry = self.query_one(DriveList).selected()
        return entry.address if entry else (self.current.address if self.current else None)

    def marked_drives(self) -> list[DriveEntry]:
        return self.query_one(DriveList).marked_entries()

    def on_drive_list_drive_chosen(self, message: DriveList.DriveChosen) -> None:
        self.open_drive(message.entry)

    def open_drive(self, entry: DriveEntry) -> None:
        self.current = entry
        self.report = None
        self.app.post_message(DriveOpened(entry))
        self.sub_title = f"{entry.title} — {short_address(entry.address)}"
        self.read_current()

    # -- medium -------------------------------------------------------------------------

    def read_current(self) -> None:
        panels = [*self.query(MediaPanel), *self.query(TocTable)]
        if self.current is None or len(panels) < 2:
            return  # nothing open, or a drive event while the screen is built or torn down
        for widget in panels:
            widget.loading = True
        self.read_drive(self.current.address)

    @work(thread=True, exclusive=True, group="read")
    def read_drive(self, address: str) -> None:
        started = time.monotonic()
        try:
            report = name_filesystem(read_medium(address))
        except DriveError as exc:
            self.post_message(MediumFailed(address, f"{exc}{busy_detail(address)}"))
            return
        except EngineError as exc:
            self.post_message(MediumFailed(address, str(exc)))
            return
        finally:
            self._first_read_done.set()
        self.post_message(MediumRead(address, report, time.monotonic() - started))

    def _stop_loading(self) -> None:
        for widget in (self.query_one(MediaPanel), self.query_one(TocTable)):
            widget.loading = False

    def on_medium_read(self, message: MediumRead) -> None:
        if self.current is None or message.address != self.current.address:
            return
        self._stop_loading()
        report = message.report
        self.report = report  # the app learns it too: MediumRead bubbles up to it
        view = describe_medium(report, self.current.recorder)
        self.query_one(MediaPanel).show_rows(view.rows, report.problems)
        self.query_one(TocTable).show_sessions(report.toc.sessions)
        media = report.toc.media
        # Short: at 80 columns "… 4.4 GiB free  — a adds files, b burns them" lost its end.
        hint = "  — a adds, b burns" if media.status in ("blank", "appendable") else ""
        self.query_one("#summary", Static).update(f" {view.summary}{hint}")
        self.query_one(DiscMap).show(
            [
                MapSegment(s.start, s.blocks, f"{s.index}:{s.volume_id}")
                for s in report.toc.sessions
            ],
            view.capacity_blocks or 0,
            0 if media.status == "blank" else media.nwa,
            closed=media.status == "closed",
        )
        status = report.toc.media.status
        self.log_note(f"read {message.address}: {status}, {view.summary}")
        for problem in report.problems:
            self.log_note(problem, level="warning")
        for warning in report.warnings:
            self.log_note(warning, level="warning")
        if self.app.browse_on_start:
            self.app.browse_on_start = False
            self.action_browse()

    def on_medium_failed(self, message: MediumFailed) -> None:
        self._stop_loading()
        self.query_one(MediaPanel).show_message(message.reason, error=True)
        self.query_one(TocTable).show_sessions([])
        self.query_one("#summary", Static).update("")
        self.query_one(DiscMap).show([], 0, None)
        self.log_note(message.reason, level="error")

    def on_screen_resume(self) -> None:
        self.show_job_states(self.app.jobs.states())
        if self.app.media_changed:
            self.app.media_changed = False
            self.read_current()

    # -- actions ------------------------------------------------------------------------

    def log_note(self, text: str, *, level: str = "info") -> None:
        self.query_one(LogPane).note(text, level=level)

    def action_reread(self) -> None:
        self.read_current()

    def action_rescan(self) -> None:
        self.log_note("looking for drives…")
        self.find_drives()
        self.find_remote_drives()

    def action_browse(self) -> None:
        # On first use: the ISO reader behind the browser is ~13 ms of imports.
        from app.tui.screens.browser_screen import BrowserScreen

        report = self.report
        if self.current is None or report is None:
            self.notify("Read a drive first", severity="warning")
            return
        if not any(s.kind == "ISO" for s in report.toc.sessions):
            self.notify("This medium has no ISO 9660 session to browse", severity="warning")
            return
        self.app.push_screen(
            BrowserScreen(self.current.address, report.toc.sessions, title=self.current.title)
        )

    def action_journal(self) -> None:

        self.app.push_screen(JournalScreen())

    def action_slots(self) -> None:
        self.app.push_screen(SlotsScreen(self.current.address if self.current else None))
