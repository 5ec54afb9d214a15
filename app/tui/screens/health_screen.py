"""HealthScreen: one disc over the years — every checkread and surface scan of it, and its
read speed across the medium, one line per check, so a disc that reads worse shows."""

from __future__ import annotations

import sqlite3

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from app.archive.catalog import Catalog
from app.archive.curves import speed_graph
from app.archive.health import DiscHealth, disc_health
from app.tui.catalog_words import catalog_problem, disc_line, drive_label, verdict_text
from widgets.speed_graph import SpeedGraph, axes_title

CHECK_NAMES = {"check": "checkread", "surface": "surface scan", "read": "read", "verify": "compare"}


class HealthScreen(Screen):
    SCOPED_CSS = False  # the app's size classes (.-short) sit above the screen
    DEFAULT_CSS = """
    #health-disc { height: auto; padding: 0 1; }
    #health-checks-box { height: auto; max-height: 8; border: round $primary; }
    #health-checks { height: auto; max-height: 6; }
    #health-graph-box { height: 1fr; min-height: 8; border: round $primary; }
    #health-checks-box:focus-within { border: round $accent; }
    .-short #health-checks-box { max-height: 5; }
    """
    BINDINGS = [Binding("escape", "back", "Back"), Binding("r", "reload", "Reload")]

    def __init__(self, medium: int) -> None:
        super().__init__()
        self.medium = medium

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("reading the catalog…", id="health-disc")
        with Vertical(id="health-checks-box") as box:
            box.border_title = "Checks"
            yield DataTable(id="health-checks", cursor_type="row", zebra_stripes=True)
        with Vertical(id="health-graph-box") as box:
            box.border_title = "Read speed across the medium"
            yield SpeedGraph(id="health-graph")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "disc health"
        table = self.query_one(DataTable)
        table.add_columns("Date", "Check", "Result", "Slow", "Unreadable", "Drive")
        self.action_reload()

    @work(thread=True, exclusive=True, group="health")
    def action_reload(self) -> None:
        try:
            with Catalog(timeout=2) as catalog:
                found: DiscHealth | str | None = disc_health(catalog, self.medium)
        except (sqlite3.Error, OSError) as exc:
            found = catalog_problem(exc)
        self.app.call_from_thread(self._show, found)

    def _show(self, found: DiscHealth | str | None) -> None:
        head = self.query_one("#health-disc", Static)
        table = self.query_one(DataTable)
        table.clear()
        if not isinstance(found, DiscHealth):
            head.update(Text(found or "this disc is no longer in the catalog", style="red"))
            return
        head.update(Text.assemble(disc_line(found.medium), "\n", verdict_text(found.verdict)))
        for check in reversed(found.checks):  # newest first
            table.add_row(
                check["at"][:16], CHECK_NAMES.get(check["kind"], check["kind"] or ""),
                Text(check["result"] or "", style="green" if check["result"] == "ok" else "red"),
                f"{check['slow'] or 0:,}", f"{check['unreadable'] or 0:,}",
                drive_label(check["drive"] or ""),
            )  # fmt: skip
        if not found.checks:
            table.add_row("never checked: c (checkread) or s (surface scan) on the main screen", "", "", "", "", "")
        graph = speed_graph(found.checks, found.medium.get("blocks"))
        self.query_one(SpeedGraph).show(graph)
        self.query_one("#health-graph-box").border_title = axes_title(graph)

    def action_back(self) -> None:
        self.dismiss()
