"""SurfaceMapView: a surface scan drawn as cells (good / slow / unreadable / untested),
its legend and the bad ranges. The verdict in words is the job's result line, said once
beneath (not here too), so at 80x24 the map and every bad range fit without scrolling."""

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
RANGES_SHOWN = 8
"""Bad ranges named at most (wrapped, a few to a line); the rest are counted."""
SHORT_ROWS, SHORT_HEIGHT = 2, 24
"""Map rows on a terminal lower than SHORT_HEIGHT (60x20): the bad ranges keep their lines."""


def _said(word: str) -> str:
    """xorriso's word as a person reads it: md5_mismatch → MD5 mismatch, tao_end → tao end."""
    return word.replace("md5", "MD5").replace("_", " ")


class SurfaceMapView(Static):
    """Each cell stands for an equal share of the medium and shows its worst quality."""

    DEFAULT_CSS = """
    SurfaceMapView { height: auto; padding: 0 1; }
    """

    def __init__(self, surface: SurfaceMap, *, rows: int = 4, id: str | None = None) -> None:
        super().__init__(id=id)
        self.surface = surface
        self.rows = rows

    def _rows(self) -> int:
        return SHORT_ROWS if self.app.size.height < SHORT_HEIGHT else self.rows

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
        rows = self._rows()
        count = width * rows
        cells = self._cells(count)
        lines = []
        for row in range(rows):
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
        bad = self.bad_line()
        if bad is not None:
            lines.append(bad)
        return Group(*lines)

    def bad_line(self) -> Text | None:
        """ "bad sectors: unreadable 1,000–1,099, 2,000–2,007; MD5 mismatch 32–1,523": every
        bad range up to RANGES_SHOWN, by kind, then how many more; None when there is none."""
        bad = self.surface.bad_ranges()
        if not bad:
            return None
        kinds: dict[str, list[str]] = {}
        for r in bad[:RANGES_SHOWN]:
            kinds.setdefault(_said(r.word), []).append(f"{r.start:,}–{r.start + r.blocks - 1:,}")
        words = "; ".join(f"{kind} {', '.join(spans)}" for kind, spans in kinds.items())
        more = f"; and {len(bad) - RANGES_SHOWN:,} more" if len(bad) > RANGES_SHOWN else ""
        return Text(f"bad sectors: {words}{more}", style="red")
