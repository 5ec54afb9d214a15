"""TextCheckbox: a checkbox whose state is in the text, `[x]` or `[ ]`, not only in colour.

Textual's Checkbox draws the same X for on and off and tells them apart by colour alone:
under NO_COLOR or on a monochrome terminal every option looked checked.
"""

from __future__ import annotations

from textual.widgets import Checkbox


class TextCheckbox(Checkbox):
    BUTTON_LEFT = "["
    BUTTON_RIGHT = "]"

    @property
    def BUTTON_INNER(self) -> str:
        return "x" if self.value else " "
