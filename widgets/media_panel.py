"""MediaPanel: the medium's state as label/value rows, plus any problem in words."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.widgets import Static


class MediaPanel(Static):
    DEFAULT_CSS = """
    MediaPanel { height: auto; padding: 0 1; }
    """

    def show_rows(self, rows: list[tuple[str, str]], problems: list[str] | None = None) -> None:
        table = Table.grid(padding=(0, 1))
        table.add_column(style="bold", no_wrap=True)
        table.add_column(overflow="fold")
        for label, value in rows:
            table.add_row(label, value)
        for problem in problems or []:
            table.add_row(Text("Problem", style="bold red"), Text(problem, style="red"))
        self.update(table)

    def show_message(self, text: str, *, error: bool = False) -> None:
        self.update(Text(text, style="bold red" if error else "dim"))
