"""LogPane: a short running account of what discdeck did and what xorriso said."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import RichLog


class LogPane(RichLog):
    DEFAULT_CSS = """
    LogPane { height: 5; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, wrap=True, markup=False, max_lines=500)

    def note(self, text: str, *, level: str = "info") -> None:
        style = {"info": "", "warning": "yellow", "error": "bold red"}.get(level, "")
        self.write(Text(text, style=style))
