"""HistoryGraph: speed and drive buffer over the whole run, as two sparklines."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label, Sparkline


class HistoryGraph(Vertical):
    """Redrawn from the full sample list the worker keeps, so coalesced updates lose nothing."""

    DEFAULT_CSS = """
    HistoryGraph { height: auto; }
    HistoryGraph Sparkline { height: 1; width: 1fr; }
    HistoryGraph Label { color: $text-muted; }
    """

    def compose(self) -> ComposeResult:
        yield Label("speed history", id="speed-label")
        yield Sparkline([], id="speed-line")
        yield Label("drive buffer history", id="buffer-label")
        yield Sparkline([], id="buffer-line")

    def redraw(self, samples: Sequence[tuple[float | None, float | None]]) -> None:
        speeds = [s for s, _ in samples if s is not None]
        buffers = [b for _, b in samples if b is not None]
        if speeds:
            self.query_one("#speed-line", Sparkline).data = speeds
            self.query_one("#speed-label", Label).update(
                f"speed history (peak {max(speeds):.1f}x, {len(speeds)} samples)"
            )
        if buffers:
            self.query_one("#buffer-line", Sparkline).data = buffers
            self.query_one("#buffer-label", Label).update(
                f"drive buffer history (min {min(buffers):.0f}%)"
            )
