"""CatalogScreen: "which disc holds X?" as you type — each file found with its disc (volume
id, creation time), its set and the disc's last check and health; the highlighted disc's
details, its health history (enter), export to a file (x) and import of the disc in the
drive (i).

Searches run in a worker, at most one per pause in the typing; the catalog is opened per
search and only read, so a catalog another discdeck is writing to is never in the way.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from humanize import naturalsize
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Header, Input, OptionList, Static
from textual.widgets.option_list import Option

from app.archive.catalog import Catalog, Found, catalog_path
from app.archive.export import export_to, format_of
from app.archive.search import LIMIT, Search, search
from app.tui.catalog_words import catalog_problem, counted, disc_line, short_verdict, verdict_text
from app.tui.screens.confirm_screen import ConfirmScreen
from app.tui.screens.health_screen import HealthScreen
from app.tui.screens.prompt_screen import PromptScreen

PAUSE = 0.25
"""Seconds of no typing before a search starts: one search per pause, not per key."""
EMPTY = (
    "The catalog is empty: discs get in when discdeck burns, checks or scans them, or "
    "with i here (imports the disc in the open drive)."
)


class CatalogScreen(Screen):
    SCOPED_CSS = False  # the app's size classes (.-short) sit above the screen
    DEFAULT_CSS = """
    #catalog-search { margin: 0 0; }
    #catalog-status { height: auto; max-height: 2; padding: 0 1; }
    #catalog-results { height: 1fr; border: round $primary; }
    #catalog-results:focus { border: round $accent; }
    #catalog-disc-box { height: auto; border: round $primary; padding: 0 1; }
    .-short #catalog-disc-box { display: none; }
    """
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("slash", "focus_search", "Search", key_display="/"),
        Binding("down", "focus_results", "Results", show=False),
        Binding("h", "history", "Health history"),
        Binding("x", "export_catalog", "Export"),
        Binding("i", "import_medium", "Import disc"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.shown = Search("")
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="part of a file's path, or a glob like *.pdf", id="catalog-search")
        yield Static("", id="catalog-status")
        yield OptionList(id="catalog-results")
        with Vertical(id="catalog-disc-box") as box:
            box.border_title = "Disc"
            yield Static("", id="catalog-disc")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "catalog: which disc holds it"
        self.run_search("")

    def on_input_changed(self, event: Input.Changed) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(PAUSE, lambda: self.run_search(event.value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_focus_results()

    @work(thread=True, exclusive=True, group="catalog-find")
    def run_search(self, pattern: str) -> None:
        if not catalog_path().exists():  # nothing to read: the file is not made for a look
            self.app.call_from_thread(self._show, Search(pattern))
            return
        try:
            with Catalog(timeout=2) as catalog:
                found: Search | str = search(catalog, pattern)
        except (sqlite3.Error, OSError) as exc:
            found = catalog_problem(exc)
        self.app.call_from_thread(self._show, found)

    def _show(self, found: Search | str) -> None:
        status = self.query_one("#catalog-status", Static)
        results = self.query_one(OptionList)
        if isinstance(found, str):
            status.update(Text(found, style="red"))
            return
        if found.pattern != self.query_one(Input).value:
            return  # typed on meanwhile: a newer search follows
        self.shown = found
        results.clear_options()
        results.add_options([self._option(n, f) for n, f in enumerate(found.found)])
        status.update(self._status(found))
        if found.found:
            results.highlighted = 0
        elif not found.pattern and not found.media:
            results.focus()  # nothing to search yet: i (import) is one key away
        self._show_disc(found.found[0] if found.found else None)

    def _status(self, found: Search) -> Text:
        if not found.pattern:
            if not found.media:
                return Text(EMPTY, style="yellow")
            catalogued = f"{counted(found.media, 'disc')}, {counted(found.files, 'file')} catalogued"
            return Text(f"{catalogued}: type to find one")
        if not found.found:
            return Text(f"no catalogued file's path holds {found.pattern!r}")
        more = f" (the first {LIMIT}: type more to narrow it)" if len(found.found) >= LIMIT else ""
        discs = len({f.medium_id for f in found.found})
        files = counted(len(found.found), "file")
        return Text(f"{files} on {counted(discs, 'disc')}{more} · enter: health history")

    def _option(self, n: int, found: Found) -> Option:
        disc = self.shown.discs.get(found.medium_id)
        made = found.created.replace("T", " ")[:10] or "?"
        where = f"{found.volume_id or '(no volume id)'} (made {made})"
        if found.set_name:
            where += f" · set {found.set_name} {found.disc}"
        checked = f"checked {found.last_checked[:10]} · " if found.last_checked else "never checked"
        line = Text.assemble(
            (found.path, "bold"), "  ", (naturalsize(found.size, binary=True), "dim"),
            "\n  ", (f"on {where} · {checked}", "dim"),
            short_verdict(disc.verdict) if disc else "",
        )  # fmt: skip
        return Option(line, id=str(n))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        index = int(event.option.id or 0)
        self._show_disc(self.shown.found[index] if index < len(self.shown.found) else None)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.action_history()

    def _show_disc(self, found: Found | None) -> None:
        pane = self.query_one("#catalog-disc", Static)
        disc = self.shown.discs.get(found.medium_id) if found else None
        if disc is None:
            pane.update("")
            return
        checks = disc.checks
        last = checks[-1] if checks else None
        seen = (
            f"{len(checks)} check(s), the last {last['at'][:16]} ({last['kind']}, {last['result']})"
            if last else "never checked"
        )  # fmt: skip
        pane.update(Text.assemble(disc_line(disc.medium), "\n", seen, "\n", verdict_text(disc.verdict)))

    def _current(self) -> Found | None:
        index = self.query_one(OptionList).highlighted
        found = self.shown.found
        return found[index] if index is not None and index < len(found) else None

    def action_history(self) -> None:
        found = self._current()
        if found is None:
            self.notify("Find a file first: its disc's history opens with enter", severity="warning")
            return
        self.app.push_screen(HealthScreen(found.medium_id))

    def action_focus_search(self) -> None:
        self.query_one(Input).focus()

    def action_focus_results(self) -> None:
        self.query_one(OptionList).focus()

    def action_back(self) -> None:
        self.dismiss()

    def action_import_medium(self) -> None:
        drive, report = getattr(self.app, "drive", None), getattr(self.app, "report", None)
        if drive is None or report is None:
            self.notify("No disc is open: open a drive with a disc on the main screen first",
                        severity="warning")  # fmt: skip
            return
        self.notify(f"Importing the disc in {drive.title}…", timeout=3)
        self.import_medium(drive.address, report)

    @work(thread=True, exclusive=True, group="catalog-import")
    def import_medium(self, address: str, report) -> None:
        # Only here: the ISO reader is not needed to search the catalog.
        from app.archive.record import catalog_medium
        from app.engine.errors import EngineError

        try:
            with Catalog(timeout=5) as catalog:
                listed = catalog_medium(catalog, address, report)
        except (sqlite3.Error, OSError, EngineError) as exc:
            line, severity = catalog_problem(exc) if isinstance(exc, sqlite3.Error) else str(exc), "error"
        else:
            line, severity = (
                (f"catalogued {listed[1]:,} files of {address}", "information")
                if listed else (f"{address} holds no ISO 9660 session to catalogue", "warning")
            )  # fmt: skip
        self.app.call_from_thread(self._imported, line, severity)

    def _imported(self, line: str, severity: str) -> None:
        self.notify(line, severity=severity)  # type: ignore[arg-type]
        self.run_search(self.query_one(Input).value)

    def action_export_catalog(self) -> None:
        default = os.path.join(os.path.expanduser("~"), "discdeck-catalog.csv")
        prompt = PromptScreen(
            "Export the catalog", "File to write (.csv for a spreadsheet, .json for scripts):",
            default, validate=export_problem, paths_from=os.path.dirname(default),
        )  # fmt: skip

        def chosen(value: str | None) -> None:
            if not value:
                return
            path = Path(os.path.abspath(os.path.expanduser(value)))
            if not path.exists():
                self.export(path, False)
                return
            lines = [f"{path} exists.", "Replace it with the catalog?"]
            confirm = ConfirmScreen("Replace it?", lines, yes_label="Replace", danger=True)
            self.app.push_screen(confirm, lambda yes: self.export(path, True) if yes else None)

        self.app.push_screen(prompt, chosen)

    @work(thread=True, exclusive=True, group="catalog-export")
    def export(self, path: Path, replace: bool) -> None:
        try:
            with Catalog(timeout=5) as catalog:
                files = export_to(catalog, path, replace=replace)
        except sqlite3.Error as exc:
            line, severity = catalog_problem(exc), "error"
        except (OSError, ValueError) as exc:
            line, severity = f"could not export to {path}: {exc}", "error"
        else:
            line, severity = f"exported {files:,} files to {path}", "information"
        self.app.call_from_thread(self.notify, line, severity=severity)


def export_problem(value: str) -> str | None:
    """Why the export cannot go to `value` (None when it can)."""
    path = Path(os.path.abspath(os.path.expanduser(value))) if value.strip() else None
    if path is None:
        return "type a file name"
    if format_of(path) is None:
        return "name the file .csv or .json"
    if path.is_dir():
        return f"{path} is a folder: add a file name"
    if not path.parent.is_dir():
        return f"there is no folder {path.parent}"
    return None
