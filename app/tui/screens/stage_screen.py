"""StageScreen: pick local files on the left, arrange the disc's ISO tree on the right.

Folder sizes are summed by a worker (app.stage.disk_usage) so the UI stays responsive on
100k-file trees; the fit bar first shows an estimate, then xorriso's exact forecast.
"""

from __future__ import annotations

import time

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from app.engine.errors import EngineError
from app.engine.options import check_volume_id
from app.media.contents import DiscFolders
from app.stage.names import check_name, display
from app.tui.screens.options_screen import OptionsScreen
from app.tui.screens.prompt_screen import PromptScreen
from widgets.fit_bar import FitBar
from widgets.local_browser import LocalBrowser
from widgets.local_pane import LocalPane
from widgets.stage_panel import StagePanel

SCAN_UPDATE_EVERY = 0.1
"""Seconds between scan updates: the walk yields thousands a second, the eye needs ~10."""

ISO_OVERHEAD_BYTES = 400 * 1024
"""Rough size of the file system's own structures, for the estimate before xorriso's."""


class ScanUpdate(Message):
    def __init__(self, files: int, size: int, current: str, done: bool) -> None:
        super().__init__()
        self.files, self.size, self.current, self.done = files, size, current, done

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ScanUpdate) and not self.done


class StageScreen(Screen):
    # The footer shows them in this order and cuts the rest: at 80 columns it ended at
    # "o", so burn, the keys and the way back were never seen; they come first now.
    BINDINGS = [
        Binding("a", "add", "Add"),
        Binding("b", "app.burn", "Burn"),
        Binding("o", "options", "Options"),
        Binding("delete", "remove", "Remove"),
        Binding("f2", "rename", "Rename"),
        Binding("question_mark", "app.help", "Keys", key_display="?"),
        Binding("escape", "back", "Back"),
        Binding("n", "mkdir", "New folder"),
        Binding("m", "move", "Move"),
        Binding("v", "volume", "Volume id"),
        Binding("s", "app.save_image", "Save as image", show=False),
        Binding("S", "app.plan_set", "Plan a disc set", show=False),
    ]

    def __init__(self, start_dir: str | None = None) -> None:
        super().__init__()
        self.start_dir = start_dir
        """Where the local browser starts; None: the folder it showed last, else home."""
        self.disc: DiscFolders | None = None
        """What the medium holds, when the next session appends to it."""

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="stage-top"):
            yield LocalPane(self.start_dir, id="local-box")
            with Vertical(id="iso-box") as box:
                box.border_title = "On the disc"
                yield StagePanel(id="stage")
        yield Static("", id="stage-options")
        yield FitBar(id="fit")
        yield Footer()

    @property
    def stage(self):
        return self.app.stage

    def on_mount(self) -> None:
        self.sub_title = "stage files for the next session"
        self._open_disc()
        self.refresh_stage()
        # Now, not after a refresh as focus() would: a `/` typed right behind `a` focuses the
        # path prompt at once, and a late focus of the list would then close the prompt
        # halfway through the path typed into it.
        self.set_focus(self.query_one(LocalBrowser))
        if self.stage.unscanned():
            self.scan_sizes()
        else:
            self.app.request_forecast()

    # -- showing -------------------------------------------------------------------------

    def refresh_stage(self, select: str | None = None) -> None:
        folders = self.disc.folders if self.disc is not None else None
        self.query_one(StagePanel).show_stage(self.stage, select, folders)
        opts = self.stage.options
        flags = [
            ("MD5", opts.md5),
            ("close", opts.close),
            ("simulate", opts.dummy),
            ("Joliet", opts.joliet),
            ("verify", opts.verify),
        ]
        text = Text(f" {self.stage.volume_id}  ", style="bold")
        mark = self.stage.burn_mark
        if mark is not None:  # a line of its own: in front of the options it pushed them off
            text = Text.assemble((f" ⚠ {mark.describe()}?\n", "bold yellow"), text)
        self.query_one("#stage-options").set_class(mark is not None, "-marked")
        for name, on in flags:
            text.append(f"[{'x' if on else ' '}]{name} ", style="" if on else "dim")
        text.append(f"speed {opts.speed}", style="bold")
        self.query_one("#stage-options", Static).update(text)
        self.update_fit()

    def update_fit(self, exact_bytes: int | None = None) -> None:
        fit = self.query_one(FitBar)
        free = self.app.free_bytes()
        fit.free = free
        if exact_bytes is not None:
            fit.used, fit.exact = exact_bytes, True
        else:
            fit.used = self.stage.total_size() + (
                ISO_OVERHEAD_BYTES if not self.stage.is_empty() else 0
            )
            fit.exact = False

    def changed(self, select: str | None = None) -> None:
        """After every edit: redraw, autosave, and ask xorriso for the exact size."""
        self.app.save_stage()
        self.refresh_stage(select)
        self.app.request_forecast()

    def iso_folder(self) -> str:
        """The stage folder new entries go into: the highlighted folder, else its parent."""
        item = self.query_one(StagePanel).selected_item()
        path = item.path if item is not None else "/"
        if item is not None and not item.staged:  # a folder of the disc: add into it
            return path if item.is_dir else (path.rsplit("/", 1)[0] or "/")
        try:
            node = self.stage.find(path)
        except (KeyError, ValueError):
            return "/"
        if node.is_stage_dir:
            return path
        return path.rsplit("/", 1)[0] or "/"

    # -- scanning ------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="scan")
    def scan_sizes(self) -> None:
        files = size = 0
        current = ""
        posted = time.monotonic()
        for progress in self.stage.scan("/"):
            files, size, current = progress.files, progress.bytes, progress.current
            if time.monotonic() - posted >= SCAN_UPDATE_EVERY:
                self.post_message(ScanUpdate(files, size, current, False))
                posted = time.monotonic()
        self.post_message(ScanUpdate(files, size, current, True))

    def on_scan_update(self, message: ScanUpdate) -> None:
        fit = self.query_one(FitBar)
        if message.done:
            self.refresh_stage()
            self.app.save_stage()
            self.app.request_forecast()
            return
        fit.used = self.stage.total_size() + message.size
        self.sub_title = f"scanning {display(message.current)} — {message.files:,} files"

    def on_forecast_ready(self, image_bytes: int) -> None:
        """Called by the App when xorriso's exact size is known."""
        self.update_fit(image_bytes)
        self.sub_title = "stage files for the next session"

    # -- actions -------------------------------------------------------------------------

    def action_add(self) -> None:
        """Stage every marked local entry (else the highlighted one) into the disc folder."""
        pane = self.query_one(LocalPane)
        folder = self.iso_folder()
        added, last = [], None
        for entry in pane.chosen():
            try:
                node = self.stage.add(entry.path, folder)
            except (ValueError, OSError, KeyError) as exc:
                self.notify(str(exc), severity="error")
                continue
            added.append(entry)
            last = f"{folder.rstrip('/')}/{node.name}"
        if last is None:
            return
        pane.added(added)
        shown = display(last) if len(added) == 1 else f"{len(added)} entries in {display(folder)}"
        self.notify(f"staged {shown}", timeout=2)
        self.changed(last)
        if self.stage.unscanned():
            self.scan_sizes()

    def _open_disc(self) -> None:
        """When the next session appends, show what the medium holds (as read last)."""
        drive, report = self.app.drive, self.app.report
        if self.disc is not None and self.disc.report is report:
            return
        if self.disc is not None:
            self.disc.close()
        appending = drive is not None and report is not None and report.toc.media.status == "appendable"
        self.disc = DiscFolders(drive.address, report) if appending else None
        self.query_one("#iso-box").border_title = (
            "On the disc after the next session" if appending else "On the disc"
        )

    def on_screen_resume(self) -> None:
        """Back from a burn: the medium changed, and so does what the next session appends to."""
        self._open_disc()
        self.refresh_stage()

    def on_unmount(self) -> None:
        if self.disc is not None:
            self.disc.close()

    def on_stage_panel_disc_folder_wanted(self, message: StagePanel.DiscFolderWanted) -> None:
        if self.disc is not None and self.disc.want(message.path):
            self.read_disc_folder(self.disc, message.path)

    @work(thread=True, group="disc")
    def read_disc_folder(self, disc: DiscFolders, path: str) -> None:
        try:
            disc.read(path)
        except (OSError, EngineError) as exc:
            self.app.call_from_thread(self._disc_unreadable, str(exc))
            return
        self.app.call_from_thread(self.refresh_stage)

    def _disc_unreadable(self, reason: str) -> None:
        self.disc = None
        self.notify(f"cannot show what the disc holds: {reason}", severity="warning")
        self.refresh_stage()

    def action_remove(self) -> None:
        item = self.query_one(StagePanel).selected_item()
        if item is None or item.path == "/":
            return
        if not item.staged:
            self._toggle_removal(item.path)
            return
        path = item.path
        try:
            self.stage.remove(path)
        except (KeyError, ValueError) as exc:
            self.notify(str(exc), severity="error")
            return
        self.notify(
            f"removed {display(path)} from the stage (nothing on disk was touched)", timeout=2
        )
        self.changed()

    def _toggle_removal(self, path: str) -> None:
        """del on an entry of the disc: leave it out of the next session, or keep it again."""
        try:
            removed = self.stage.toggle_removal(path)
        except ValueError as exc:
            self.notify(str(exc), severity="error")
            return
        verb = "is left out of" if removed else "stays in"
        self.notify(f"{display(path)} {verb} the next session", timeout=3)
        self.changed(path)

    def _validate_name(self, name: str) -> str | None:
        try:
            check_name(name)
        except ValueError as exc:
            return str(exc)
        return None

    def action_rename(self) -> None:

        path = self.query_one(StagePanel).selected_path()
        if not path or path == "/":
            return
        old = path.rsplit("/", 1)[-1]

        def done(name: str | None) -> None:
            if name is None or name == old:
                return
            try:
                self.stage.rename(path, name)
            except (KeyError, ValueError) as exc:
                self.notify(str(exc), severity="error")
                return
            self.changed(f"{path.rsplit('/', 1)[0]}/{name}")

        self.app.push_screen(
            PromptScreen(
                "Rename", f"New name for {display(path)}:", old, validate=self._validate_name
            ),
            done,
        )

    def action_mkdir(self) -> None:

        folder = self.iso_folder()

        def done(name: str | None) -> None:
            if not name:
                return
            path = f"{folder.rstrip('/')}/{name}"
            try:
                self.stage.mkdir(path)
            except (KeyError, ValueError) as exc:
                self.notify(str(exc), severity="error")
                return
            self.changed(path)

        self.app.push_screen(
            PromptScreen(
                "New folder", f"Folder name inside {display(folder)}:", validate=self._validate_name
            ),
            done,
        )

    def action_move(self) -> None:

        path = self.query_one(StagePanel).selected_path()
        if not path or path == "/":
            return

        def done(target: str | None) -> None:
            if not target:
                return
            target = "/" + target.strip("/")
            try:
                self.stage.move(path, target)
            except (KeyError, ValueError) as exc:
                self.notify(str(exc), severity="error")
                return
            self.changed(f"{target.rstrip('/')}/{path.rsplit('/', 1)[-1]}")

        self.app.push_screen(
            PromptScreen("Move", f"Move {display(path)} into which stage folder?", "/"), done
        )

    def action_volume(self) -> None:

        def validate(value: str) -> str | None:
            try:
                check_volume_id(value)
            except ValueError as exc:
                return str(exc)
            return None

        def done(value: str | None) -> None:
            if value:
                self.stage.volume_id = value
                self.changed()

        self.app.push_screen(
            PromptScreen(
                "Volume id",
                "Name of the disc (up to 32 bytes; A-Z, 0-9 and _ read the same everywhere):",
                self.stage.volume_id,
                validate=validate,
            ),
            done,
        )

    def action_options(self) -> None:

        def done(changed: bool | None) -> None:
            if changed:
                self.changed()

        self.app.push_screen(OptionsScreen(self.stage.options), done)

    def action_back(self) -> None:
        self.dismiss()
