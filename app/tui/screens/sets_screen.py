"""SetsScreen: every saved disc set — discs burned of all, what comes next — and r (or
enter) to go on with the highlighted set on the open drive, after a quit as before it."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from app.jobs.set_steps import SetSummary, list_sets


def state_text(summary: SetSummary) -> Text:
    if summary.problem is not None:
        return Text("unreadable", style="red")
    if summary.complete:
        return Text("complete", style="green")
    return Text(f"resumable: disc {summary.burned + 1} next", style="yellow")


class SetsScreen(Screen):
    DEFAULT_CSS = """
    SetsScreen #sets { height: auto; max-height: 10; }
    SetsScreen #set-detail-box { height: 1fr; min-height: 3; border: round $primary; padding: 0 1; }
    """
    BINDINGS = [
        Binding("r", "resume", "Burn next disc"),
        Binding("p", "app.plan_set", "Plan a set"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.summaries: list[SetSummary] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(id="sets", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="set-detail-box"):
            yield Static("", id="set-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "disc sets: r burns the next disc on the open drive"
        self.query_one(DataTable).add_columns("set", "medium", "burned", "state", "planned")
        self.query_one(DataTable).focus()
        self.load()

    def on_screen_resume(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="sets")
    def load(self) -> None:
        summaries = list_sets()
        self.app.call_from_thread(self.show, summaries)

    def show(self, summaries: list[SetSummary]) -> None:
        table = self.query_one(DataTable)
        row = table.cursor_row
        self.summaries = summaries
        table.clear()
        for s in summaries:
            table.add_row(s.name, s.medium, f"{s.burned} of {s.total}", state_text(s), s.created, key=s.name)
        if summaries:
            table.move_cursor(row=min(max(row, 0), len(summaries) - 1))
        self.show_detail()

    def selected(self) -> SetSummary | None:
        row = self.query_one(DataTable).cursor_row
        return self.summaries[row] if 0 <= row < len(self.summaries) else None

    def on_data_table_row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self.show_detail()

    def on_data_table_row_selected(self, _event: DataTable.RowSelected) -> None:
        self.action_resume()

    def show_detail(self) -> None:
        box = self.query_one("#set-detail-box")
        summary = self.selected()
        if summary is None:
            box.border_title = "No disc sets yet"
            text = "p plans one from the stage: its files across several media, a manifest on each."
            self.query_one("#set-detail", Static).update(text)
            return
        box.border_title = f"{summary.name}: {summary.total} disc(s) of {summary.medium}"
        if summary.problem is not None:
            self.query_one("#set-detail", Static).update(Text(summary.problem, style="red"))
            return
        grid = Table.grid(padding=(0, 2))
        for number, state, when in summary.discs:
            style = "green" if state == "burned" else ""
            grid.add_row(f"{summary.name}_{number}_OF_{summary.total}", Text(state, style=style), when)
        self.query_one("#set-detail", Static).update(grid)

    def action_resume(self) -> None:
        summary = self.selected()
        if summary is None:
            self.app.notify("No disc set yet: p plans one from the stage", severity="warning")
        elif summary.problem is not None:
            self.app.notify(summary.problem, severity="error")
        elif summary.complete:
            self.app.notify(f"{summary.name} is complete: every disc is burned and verified")
        else:
            self.app.burn_set(summary.name)  # type: ignore[attr-defined]

    def action_back(self) -> None:
        self.app.pop_screen()
