"""HistoryGraph: speed and drive buffer over the whole run, as two bar lines that start at zero.

Textual's Sparkline scales from the data's minimum to its maximum, so a steady burn at
4.0-4.2x looked like zeros with full-height spikes. These bars stand on zero and their
label says the scale, so a bar's height is the figure.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Label

BARS = "▁▁▂▃▄▅▆▇█"
"""Nine levels, 0 to 8 eighths; zero is drawn as the baseline itself."""


def zero_based_bars(values: Sequence[float], width: int, top: float) -> str:
    """One character per column: the highest value of that column's share, 0 to `top`."""
    if width <= 0 or not values:
        return ""
    columns = []
    for column in range(width):
        start = column * len(values) // width
        end = max((column + 1) * len(values) // width, start + 1)
        peak = max(values[start:end])
        level = 0 if top <= 0 else round(min(max(peak / top, 0.0), 1.0) * (len(BARS) - 1))
        columns.append(BARS[level])
    return "".join(columns)


class ZeroBars(Widget):
    """A one-line bar chart of `values` on a 0..`top` scale."""

    DEFAULT_CSS = """
    ZeroBars { height: 1; width: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.values: list[float] = []
        self.top = 1.0

    def show(self, values: list[float], top: float) -> None:
        """Repaint only when the bars change: a steady burn draws the same line for minutes."""
        before = zero_based_bars(self.values, self.size.width, self.top)
        self.values, self.top = values, top
        if zero_based_bars(values, self.size.width, top) != before:
            self.refresh()

    def render(self) -> Text:
        bars = zero_based_bars(self.values, self.size.width, self.top)
        return Text(bars or BARS[0] * self.size.width, style="bold")


class HistoryGraph(Vertical):
    """Redrawn from the full sample list the worker keeps, so coalesced updates lose nothing."""

    DEFAULT_CSS = """
    HistoryGraph { height: auto; }
    HistoryGraph Label { color: $text-muted; width: 1fr; }
    """

    def compose(self) -> ComposeResult:
        yield Label("speed history", id="speed-label")
        yield ZeroBars(id="speed-line")
        yield Label("drive buffer history", id="buffer-label")
        yield ZeroBars(id="buffer-line")

    def redraw(self, samples: Sequence[tuple[float | None, float | None]]) -> None:
        speeds = [s for s, _ in samples if s is not None]
        buffers = [b for _, b in samples if b is not None]
        if speeds:
            peak = max(speeds)
            self.query_one("#speed-line", ZeroBars).show(speeds, peak)
            self._label("#speed-label", f"speed history, 0 to {peak:.1f}x")
        if buffers:
            self.query_one("#buffer-line", ZeroBars).show(buffers, 100.0)
            self._label(
                "#buffer-label", f"drive buffer history, 0 to 100 % (lowest {min(buffers):.0f} %)"
            )

    def _label(self, selector: str, text: str) -> None:
        """A label is repainted (and its row sent to the terminal) only when its text changed."""
        label = self.query_one(selector, Label)
        if str(label.content) != text:
            label.update(text, layout=False)  # width 1fr: no relayout needed
