"""LatestLines: xorriso's latest lines in the rows the job screen has to spare.

A Static repaints its whole height on every update: at 120x40 that was 15 blank rows sent
to the terminal every second (bench/terminal_bytes.py). This widget repaints only the rows
whose text changed, and only as far as their text reaches.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.geometry import Region
from textual.widget import Widget


class LatestLines(Widget):
    """The newest line at the bottom of those shown, from the top row down."""

    DEFAULT_CSS = """
    LatestLines { height: 1fr; min-height: 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lines: list[str] = []

    def show(self, lines: list[str]) -> None:
        """Show `lines` (as many of the newest as fit); repaint only the rows that differ,
        and in them only as far as the longer text reaches (not the blank rest of the row)."""
        lines = lines[-max(self.size.height, 1) :]
        before, self.lines = self.lines, lines
        changed = [
            row
            for row in range(max(len(lines), len(before)))
            if row >= len(lines) or row >= len(before) or lines[row] != before[row]
        ]
        if not changed:
            return
        reach = max(
            cell_len(texts[row]) for texts in (lines, before) for row in changed if row < len(texts)
        )
        top, bottom = changed[0], changed[-1] + 1
        self.refresh(Region(0, top, min(reach, self.size.width), bottom - top))

    def render(self) -> Text:
        return Text("\n".join(self.lines), no_wrap=True, overflow="ellipsis")
