"""SurfaceMapView: a surface scan drawn as cells (good / slow / unreadable / untested)."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual.widgets import Static

from app.engine.surface import SurfaceMap

CELL = {
    "good": ("█", "green"),
    "slow": ("▓", "yellow"),
    "unreadable": ("X", "bold red"),
    "untested": ("·", "grey50"),
}
RANK = {"unreadable": 0, "slow": 1, "good": 2, "untested": 3}
"""A cell shows the worst of what it covers; untested only where nothing was read."""


class SurfaceMapView(Static):
    """Each cell stands for an equal share of the medium and shows its worst quality."""

    DEFAULT_CSS = """
    SurfaceMapView { height: auto; padding: 0 1; }
    """

    def __init__(self, surface: SurfaceMap, *, rows: int = 4, id: str | None = None) -> None:
        super().__init__(id=id)
        self.surface = surface
        self.rows = rows

    def on_resize(self) -> None:
        self.update(self._render_map(max(self.size.width - 2, 10)))

    def on_mount(self) -> None:
        self.update(self._render_map(70))

    def _cells(self, count: int) -> list[str]:
        total = max(self.surface.total_blocks, 1)
        cells = ["untested"] * count
        bad = self.surface.bad_ranges()
        for region in [*self.surface.regions, *bad]:
            first = region.start * count // total
            last = min(max((region.start + region.blocks - 1) * count // total, first), count - 1)
            for i in range(first, last + 1):
                if RANK[region.quality] < RANK[cells[i]]:
                    cells[i] = region.quality
        return cells

    def _render_map(self, width: int) -> Group:
        count = width * self.rows
        cells = self._cells(count)
        lines = []
        for row in range(self.rows):
            line = Text()
            for quality in cells[row * width : (row + 1) * width]:
                char, style = CELL[quality]
                line.append(char, style=style)
            lines.append(line)
        legend = Text()
        counts = self.surface.blocks_by_quality()
        for quality in ("good", "slow", "unreadable", "untested"):
            char, style = CELL[quality]
            legend.append(f"{char} ", style=style)
            legend.append(f"{quality} {counts[quality]:,}   ")
        lines.append(legend)
        lines.append(Text(self.surface.summary_in_words()))
        for region in self.surface.bad_ranges()[:6]:
            lines.append(
                Text(
                    f"bad: sectors {region.start:,}–{region.start + region.blocks - 1:,} ({region.word})",
                    style="red",
                )
            )
        return Group(*lines)
