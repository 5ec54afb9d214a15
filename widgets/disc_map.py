"""DiscMap: the medium's capacity as one bar — sessions as segments, the free tail, the NWA."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widget import Widget

SESSION_STYLES = ("black on #5fafd7", "black on #87d787", "black on #d7af5f", "black on #af87d7")
GAP_STYLE = "#5f5f5f on #303030"
FREE_STYLE = "#444444"


@dataclass(frozen=True)
class MapSegment:
    start: int
    blocks: int
    label: str


def _fitted(label: str, room: int) -> str:
    """"2:DISCDECK" in `room` cells: whole, or cut with "…", or the session's number alone
    (cut to "2:" it read "12:3" beside sessions 1 and 3, like a time)."""
    if len(label) <= room:
        return label
    number = label.split(":", 1)[0]
    return label[: room - 1] + "…" if room > len(number) + 2 else number[:room]


class DiscMap(Widget):
    """Two rows: the bar, then where the next session would start and what is free."""

    DEFAULT_CSS = """
    DiscMap { height: 2; width: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.segments: list[MapSegment] = []
        self.capacity = 0
        self.nwa: int | None = None
        self.closed = False

    def show(
        self, segments: list[MapSegment], capacity: int, nwa: int | None, *, closed: bool = False
    ) -> None:
        self.segments = segments
        self.capacity = max(capacity, max((s.start + s.blocks for s in segments), default=0), 1)
        self.nwa = nwa
        self.closed = closed
        self.refresh()

    def _column(self, block: int, width: int) -> int:
        return min(int(block * width / self.capacity), width - 1)

    def render(self) -> Text:
        width = max(self.size.width, 10)
        if not self.segments and self.nwa is None and not self.capacity:
            return Text("")
        cells: list[tuple[str, str]] = [("·", FREE_STYLE)] * width
        used_end = 0
        for n, segment in enumerate(self.segments):
            # Every session gets at least one cell, even when it is tiny beside the medium.
            first = min(max(self._column(segment.start, width), used_end), width - 1)
            last = max(self._column(segment.start + segment.blocks - 1, width), first)
            style = SESSION_STYLES[n % len(SESSION_STYLES)]
            label = _fitted(segment.label, last - first + 1)
            for col in range(first, last + 1):
                i = col - first
                cells[col] = (label[i] if i < len(label) else " ", style)
            used_end = max(used_end, last + 1)
        # Lead-in and gaps between sessions (on real media: link blocks, padding).
        for col in range(used_end):
            if cells[col][1] == FREE_STYLE:
                cells[col] = ("▒", GAP_STYLE)
        bar = Text()
        run_text, run_style = "", cells[0][1]
        for char, style in cells:  # one span per run of equal style, not one per cell
            if style != run_style:
                bar.append(run_text, style=run_style)
                run_text, run_style = "", style
            run_text += char
        bar.append(run_text, style=run_style)
        marker = Text()
        if self.nwa is not None and not self.closed:
            col = min(max(self._column(self.nwa, width), used_end), width - 1)
            words = "next session starts here"
            if col + len(words) + 2 <= width:
                marker.append(" " * col + "▲ " + words, style="bold")
            else:
                marker.append(" " * max(col - len(words) - 1, 0) + words + " ▲", style="bold")
        elif self.closed:
            marker.append("closed: no more sessions can be added", style="dim")
        marker.truncate(width)
        return Text("\n").join([bar, marker])
