"""FitBar: the projected image size against the medium's free space."""

from __future__ import annotations

import humanize
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget


def _size(n: int) -> str:
    return humanize.naturalsize(n, binary=True)


class FitBar(Widget):
    """Green while the stage fits, red with the overshoot in words when it does not."""

    DEFAULT_CSS = """
    FitBar { height: 1; width: 1fr; }
    """

    used: reactive[int] = reactive(0)
    """Bytes the session will take (xorriso's exact forecast when known)."""
    free: reactive[int | None] = reactive(None)
    exact: reactive[bool] = reactive(False)

    def render(self) -> Text:
        if self.free is None:
            return Text(f"Fit  {_size(self.used)} staged — free space unknown", style="dim")
        over = self.used - self.free
        words = (
            f" {_size(self.used)} of {_size(self.free)}"
            + ("" if self.exact else " (estimate)")
            + (f" — {_size(over)} too much" if over > 0 else "")
        )
        bar_width = max(self.size.width - len(words) - 5, 4)
        fraction = 0.0 if self.free <= 0 else min(self.used / self.free, 1.0)
        filled = round(fraction * bar_width) if self.used else 0
        style = "bold red" if over > 0 else "bold green"
        text = Text("Fit  ", style="bold")
        text.append("█" * filled, style=style)
        text.append("░" * (bar_width - filled), style="dim")
        text.append(words, style="red" if over > 0 else "")
        return text
