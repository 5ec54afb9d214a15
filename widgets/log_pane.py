"""LogPane: a running account (what discdeck did, what xorriso said), wrapped at its own width.

Textual's RichLog wraps every line at 78 columns at least and never again after a resize, so
a 44-column pane cut its lines off. LogPane keeps the lines themselves and wraps them anew
whenever its width changes. It follows the newest line (Textual's anchor, also through a
resize) until the user scrolls up, and again once they are back at the end.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

LEVEL_STYLES = {"info": "", "warning": "yellow", "error": "bold red"}

Row = Strip | tuple[str, Style | None]
"""One screen row: drawn already, or (for the many plain lines) its text and style, made
into a Strip only when shown: a Strip for each of 10,000 rows cost a quarter second."""

WORDS = re.compile(r"\S+ *| +")
"""A word with the blanks after it, or the blanks a line starts with."""


def wrap_plain(line: str, width: int) -> list[str]:
    """`line` (printable ASCII) in rows of at most `width`: broken at blanks, a word longer
    than a row folded. Rich's Text.wrap does the same (with the odd stray blank row) some 20
    times slower: a 5000-line journal took over a second to show."""
    if len(line) <= width:
        return [line]
    rows: list[str] = []
    row = ""
    for token in WORDS.findall(line):
        word = token.rstrip(" ")
        if len(row) + len(word) > width:
            if row.strip():
                rows.append(row.rstrip(" "))
            row = row if not row.strip() and len(row) < width else ""  # an indent that fits
        while len(row) + len(word) > width:
            cut = width - len(row)
            rows.append(row + word[:cut])
            row, word = "", word[cut:]
        row = (row + word + token[len(token.rstrip(" ")) :])[:width]
    if row.strip():
        rows.append(row.rstrip(" "))
    return rows or [""]


class LogPane(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    LogPane {
        height: 1fr;
        background: $surface;
        overflow-x: hidden;
        overflow-y: scroll;
        scrollbar-size-vertical: 1;
    }
    """

    def __init__(
        self, *, max_lines: int | None = 500, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.entries: deque[Text] = deque(maxlen=max_lines)
        """The lines as written; the oldest go once there are `max_lines`."""
        self._counts: deque[int] = deque()
        """How many rows each entry takes at `_width`."""
        self._rows: list[Row] = []
        self._width = 0

    def on_mount(self) -> None:
        self.anchor()

    # -- writing ----------------------------------------------------------------------------

    def note(self, text: str, *, level: str = "info") -> None:
        self.write(Text(text, style=LEVEL_STYLES.get(level, "")))

    def write(self, line: str | Text) -> None:
        """Add one line (it may hold newlines) at the end."""
        self._add([line])

    def show_lines(self, lines: Iterable[str | Text]) -> None:
        """Replace everything shown with `lines`, shown from their end."""
        self.entries.clear()
        self._counts.clear()
        self._rows = []
        self._add(lines)
        if self.is_mounted:
            self.anchor()  # follow again, though the reader had scrolled up in the last text

    def clear(self) -> None:
        self.show_lines([])

    def _add(self, lines: Iterable[str | Text]) -> None:
        for line in lines:
            text = line.copy() if isinstance(line, Text) else Text(line)
            text.expand_tabs()
            if self.entries.maxlen is not None and len(self.entries) == self.entries.maxlen:
                del self._rows[: self._counts.popleft() if self._counts else 0]
            self.entries.append(text)
            if self._width:
                rows = self._wrap(text)
                self._counts.append(len(rows))
                self._rows.extend(rows)
        self._update_size()

    # -- wrapping ---------------------------------------------------------------------------

    def _wrap(self, text: Text) -> list[Row]:
        console = self.app.console
        plain = text.plain
        if not text.spans and plain.isascii() and plain.isprintable():  # nearly every line
            style = console.get_style(text.style) if text.style else None
            return [(row, style) for row in wrap_plain(plain, self._width)]
        lines = text.wrap(console, self._width, overflow="fold") if plain else [text]
        return [Strip(line.render(console, end="")) for line in lines]

    def _rewrap(self) -> None:
        self._rows, self._counts = [], deque()
        for text in self.entries:
            rows = self._wrap(text)
            self._counts.append(len(rows))
            self._rows.extend(rows)
        self._update_size()

    def _update_size(self) -> None:
        self.virtual_size = Size(self._width, len(self._rows))
        self.refresh()

    def on_resize(self) -> None:
        width = self.scrollable_content_region.width
        if width > 0 and width != self._width:
            self._width = width
            self._rewrap()

    @property
    def rows(self) -> list[str]:
        """The rows as wrapped for the pane's width, as plain text (for tests and checks)."""
        return [row[0] if isinstance(row, tuple) else row.text for row in self._rows]

    # -- drawing ----------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        style = self.rich_style
        if index >= len(self._rows):
            return Strip.blank(width, style)
        row = self._rows[index]
        if isinstance(row, tuple):
            text, row_style = row
            row = Strip([Segment(text, row_style)], len(text))
        return row.crop_extend(0, width, style).apply_style(style)
