"""LocalBrowser: one local folder, a line per entry (mark, name, size, date), to stage from.

Drawn line by line (Textual's line API), so a folder of 100k entries costs what the
screen shows, not what the folder holds; the folder is read by a worker, so a slow mount
never freezes the keys. Marks survive a change of folder: gather entries from several
folders, then add them at once.
"""

from __future__ import annotations

import os
import time

import humanize
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import work
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.worker import get_current_worker

from app.stage.local_files import FolderError, LocalEntry, parent, read_folder, safe

SIZE_WIDTH = 7
"""`1023.9K`, the widest size humanize's short form gives."""

DATE_WIDTH = 10
"""`2024-05-31`."""

MIN_NAME_WIDTH = 14
"""Below this the date column is left out, so names stay readable."""


class LocalBrowser(ScrollView, can_focus=True):
    """The entries of `folder`; `shown` is what the hidden-file switch and filter leave."""

    BINDINGS = [
        Binding("up", "move(-1)", show=False),
        Binding("down", "move(1)", show=False),
        Binding("pageup", "page(-1)", show=False),
        Binding("pagedown", "page(1)", show=False),
        Binding("home", "move(-1000000000)", show=False),
        Binding("end", "move(1000000000)", show=False),
        Binding("enter,right", "open", "Open", show=False),
        Binding("backspace,left", "parent", "Parent folder", show=False),
        Binding("tilde", "home_folder", "Home", show=False),
        Binding("space", "mark", "Mark", show=False),
        Binding("r", "reload", "Re-read", show=False),
        Binding("full_stop", "toggle_hidden", "Hidden files", show=False),
    ]

    COMPONENT_CLASSES = {"local-browser--cursor"}

    DEFAULT_CSS = """
    LocalBrowser {
        height: 1fr;
        overflow-x: hidden;
        & > .local-browser--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .local-browser--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
    }
    """

    class FolderChanged(Message):
        """A new folder is shown."""

        def __init__(self, browser: LocalBrowser, folder: str) -> None:
            super().__init__()
            self.browser, self.folder = browser, folder

    class MarksChanged(Message):
        def __init__(self, browser: LocalBrowser, count: int) -> None:
            super().__init__()
            self.browser, self.count = browser, count

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.folder = ""
        self.entries: list[LocalEntry] = []
        self.shown: list[LocalEntry] = []
        self.cursor = 0
        self.marked: dict[str, LocalEntry] = {}
        """Marked entries by path, in the order they were marked."""
        self.filter_text = ""
        self.show_hidden = False

    # -- reading folders ----------------------------------------------------------------------

    def open_folder(self, folder: str, select: str | None = None) -> None:
        """Show `folder` once it is read; on failure say why and keep what is shown."""
        self._read(folder, select)

    @work(thread=True, exclusive=True, group="local-folder")
    def _read(self, folder: str, select: str | None) -> None:
        try:
            entries = read_folder(folder)
        except FolderError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error", timeout=4)
            return
        if not get_current_worker().is_cancelled:  # a later key asked for another folder
            self.app.call_from_thread(self._show, folder, entries, select)

    def _show(self, folder: str, entries: list[LocalEntry], select: str | None) -> None:
        changed = folder != self.folder
        current = self.highlighted
        self.folder, self.entries = folder, entries
        if changed:
            self.filter_text = ""
        self._apply(select or (current.name if current and not changed else None))
        if changed:
            self.post_message(self.FolderChanged(self, folder))

    def action_reload(self) -> None:
        """Read the folder again (files come and go while the stage is open)."""
        if self.folder:
            self._read(self.folder, None)

    # -- what is shown ----------------------------------------------------------------------

    def set_filter(self, text: str) -> None:
        """Show only names containing `text` (case ignored), as they are displayed."""
        self.filter_text = text
        current = self.highlighted
        self._apply(current.name if current else None)

    def _apply(self, select: str | None) -> None:
        needle = self.filter_text.casefold()
        self.shown = [
            entry
            for entry in self.entries
            if (self.show_hidden or not entry.hidden)
            and (not needle or needle in entry.label.casefold())
        ]
        names = [entry.name for entry in self.shown]
        self.cursor = names.index(select) if select in names else 0
        self.virtual_size = Size(0, max(len(self.shown), 1))
        self._scroll_to_cursor()
        self.refresh()

    @property
    def highlighted(self) -> LocalEntry | None:
        return self.shown[self.cursor] if 0 <= self.cursor < len(self.shown) else None

    def chosen(self) -> list[LocalEntry]:
        """What `a` adds: every marked entry, else the highlighted one."""
        if self.marked:
            return list(self.marked.values())
        return [self.highlighted] if self.highlighted else []

    def unmark(self, paths: list[str] | None = None) -> None:
        """Drop the marks of `paths` (all marks when None)."""
        for path in list(self.marked) if paths is None else paths:
            self.marked.pop(path, None)
        self.post_message(self.MarksChanged(self, len(self.marked)))
        self.refresh()

    # -- keys ---------------------------------------------------------------------------------

    def action_move(self, delta: int) -> None:
        if self.shown:
            self.cursor = max(0, min(len(self.shown) - 1, self.cursor + delta))
            self._scroll_to_cursor()
            self.refresh()

    def action_page(self, direction: int) -> None:
        self.action_move(direction * max(1, self.scrollable_content_region.height - 1))

    def action_open(self) -> None:
        entry = self.highlighted
        if entry is None:
            return
        if entry.is_dir:
            self.open_folder(entry.path)
        elif entry.is_link and entry.size is None:
            self.notify(f"{safe(entry.path)}: the link leads nowhere", severity="warning")

    def action_parent(self) -> None:
        if self.folder and self.folder != "/":
            self.open_folder(parent(self.folder), select=os.path.basename(self.folder))

    def action_home_folder(self) -> None:
        self.open_folder(os.path.expanduser("~"))

    def action_mark(self) -> None:
        entry = self.highlighted
        if entry is None:
            return
        if self.marked.pop(entry.path, None) is None:
            self.marked[entry.path] = entry
        self.post_message(self.MarksChanged(self, len(self.marked)))
        self.action_move(1)
        self.refresh()

    def action_toggle_hidden(self) -> None:
        self.show_hidden = not self.show_hidden
        current = self.highlighted
        self._apply(current.name if current else None)
        self.notify(f"hidden files {'shown' if self.show_hidden else 'hidden'}", timeout=2)

    # -- drawing ------------------------------------------------------------------------------

    def _scroll_to_cursor(self) -> None:
        height = self.scrollable_content_region.height
        if height <= 0:
            return
        if self.cursor < self.scroll_y:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= self.scroll_y + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)

    def on_resize(self) -> None:
        self.virtual_size = Size(0, max(len(self.shown), 1))
        self._scroll_to_cursor()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = self.scroll_offset.y + y
        base = self.rich_style
        if index >= len(self.shown):
            if index == 0:
                text = Text(self._empty_note(), style="dim italic")
                return Strip(text.render(self.app.console), text.cell_len).crop_extend(
                    0, width, base
                )
            return Strip.blank(width, base)
        entry = self.shown[index]
        line = self._line(entry, width)
        style = base
        if index == self.cursor:
            style = base + self.get_component_rich_style("local-browser--cursor")
        segments = [Segment(s.text, style + s.style if s.style else style) for s in line]
        return Strip(segments).crop_extend(0, width, style)

    def _empty_note(self) -> str:
        if self.filter_text:
            return f"  nothing here matches “{safe(self.filter_text)}”"
        return "  (empty folder)" if self.folder else "  reading…"

    def _line(self, entry: LocalEntry, width: int) -> list[Segment]:
        show_date = width - 2 - SIZE_WIDTH - 2 - DATE_WIDTH >= MIN_NAME_WIDTH
        name_width = width - 2 - SIZE_WIDTH - 1 - (DATE_WIDTH + 1 if show_date else 0)
        marked = entry.path in self.marked
        name_style = Style(bold=entry.is_dir, color="cyan" if entry.is_link else None)
        if entry.hidden:
            name_style += Style(dim=True)
        if marked:
            name_style += Style(color="yellow", bold=True)
        name = Text(entry.label + ("/" if entry.is_dir else ""), style=name_style)
        size = _size(entry)[-SIZE_WIDTH:]
        # The size column's blank part is the name's too: at 80 columns "caf\xe9-latin1.t…"
        # was cut beside a size of "1B"; sizes stay right-aligned.
        name.truncate(max(1, name_width + SIZE_WIDTH - len(size)), overflow="ellipsis", pad=True)
        text = Text.assemble(("● " if marked else "  ", "bold yellow"), name, " ", (size, "dim"))
        if show_date:
            text.append(" " + _date(entry.mtime).rjust(DATE_WIDTH), style="dim")
        return list(text.render(self.app.console))


def _size(entry: LocalEntry) -> str:
    if entry.is_dir:
        return ""
    if entry.size is None:
        return "link" if entry.is_link else "-"
    return humanize.naturalsize(entry.size, gnu=True)


def _date(mtime: float | None) -> str:
    if mtime is None:
        return ""
    try:
        return time.strftime("%Y-%m-%d", time.localtime(mtime))
    except (OverflowError, OSError, ValueError):
        return "?"
