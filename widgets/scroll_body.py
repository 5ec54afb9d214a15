"""ScrollBody: the part of a dialog that scrolls when the terminal is too small for it.

It takes focus (and with it the arrow keys) only when there is something to scroll, so on a
roomy terminal the dialog's buttons stay the only stops of tab and the arrows.
"""

from __future__ import annotations

from textual.containers import VerticalScroll


class ScrollBody(VerticalScroll):
    DEFAULT_CSS = """
    ScrollBody { height: auto; max-height: 1fr; scrollbar-size-vertical: 1; }
    """

    def allow_focus(self) -> bool:
        return self.max_scroll_y > 0
