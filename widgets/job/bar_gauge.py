"""BarGauge: a labelled horizontal bar with its figure, e.g. the fifo or drive buffer fill."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

LABEL_WIDTH = 7


class BarGauge(Widget):
    """Shows `label ██████░░░░ 63%`; `value` None means unknown (drawn dim, no figure).

    The filled part is reverse-video blanks, not `█`: it looks the same and costs one byte
    a cell on the wire instead of three, and the speed gauge is redrawn on every repaint
    (bench/terminal_bytes.py)."""

    DEFAULT_CSS = """
    BarGauge { height: 1; width: 1fr; }
    BarGauge.-low { color: $warning; }
    """

    value: reactive[float | None] = reactive(None)
    caption: reactive[str] = reactive("")

    def __init__(
        self, label: str, *, maximum: float = 100.0, unit: str = "%", id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.label = label
        self.maximum = maximum
        self.unit = unit

    def render(self) -> Text:
        figure = "  ?" if self.value is None else f"{self.value:5.0f}{self.unit}"
        if self.caption:
            figure = self.caption
        bar_width = max(self.size.width - LABEL_WIDTH - len(figure) - 2, 4)
        text = Text(f"{self.label:<{LABEL_WIDTH}}", style="bold")
        if self.value is None:
            text.append("░" * bar_width, style="dim")
        else:
            fraction = min(max(self.value / self.maximum, 0.0), 1.0)
            filled = round(fraction * bar_width)
            text.append(" " * filled, style="reverse")
            text.append("░" * (bar_width - filled), style="dim")
        text.append(f" {figure}")
        return text
