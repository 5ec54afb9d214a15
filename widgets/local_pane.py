"""LocalPane: the stage's local side — where you are, the listing, a path prompt with
completion, bookmarks and a filter line, in one bordered box.

Every key of the local side is here or in LocalBrowser, so the stage screen only asks
`chosen()` what to add. The pane remembers the folder across runs (app/stage/recent_folders)
and starts there, or at home the first time — never in the folder discdeck was started in.
"""

from __future__ import annotations

import contextlib
import os

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from app.stage.local_files import (
    FolderError,
    LocalEntry,
    bookmarks,
    nearest_folder,
    resolve,
    safe,
    typable,
)
from app.stage.recent_folders import FolderMemory, load_memory, save_memory
from widgets.local_browser import LocalBrowser
from widgets.path_completion import PathCompletion

HINT = "/ path · f filter · p places"


def home_folder() -> str:
    return os.path.expanduser("~")


def shown_path(path: str, width: int) -> str:
    """`path` for the path line: home as `~`, the head cut (`…`) when it does not fit."""
    home = home_folder()
    if home != "/" and (path == home or path.startswith(home + "/")):
        path = "~" + path[len(home) :]
    text = safe(path)
    return text if len(text) <= width else "…" + text[-(width - 1) :]


class LocalPane(Vertical):
    DEFAULT_CSS = """
    LocalPane > #local-goto, LocalPane > #local-places, LocalPane > #local-filter {
        display: none;
    }
    """

    BINDINGS = [
        # priority: run before the keys typed next are handed to the list (see _focus)
        Binding("slash", "goto('/')", "Path", show=False, priority=True),
        Binding("g", "goto('here')", "Go to", show=False, priority=True),
        Binding("p", "places", "Places", show=False, priority=True),
        Binding("f", "filter", "Filter", show=False, priority=True),
        Binding("enter", "submit", show=False, priority=True),
        Binding("tab", "complete", show=False),
        Binding("up", "filter_move(-1)", show=False),
        Binding("down", "filter_move(1)", show=False),
        Binding("escape", "cancel", "Clear", show=False),
    ]

    def __init__(self, start: str | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.memory: FolderMemory = load_memory()
        self.start = nearest_folder([start, self.memory.last, home_folder()])

    def compose(self) -> ComposeResult:
        yield Static("", id="local-where")
        goto = Input(
            id="local-goto",
            placeholder="a folder; tab completes",
            compact=True,
            select_on_focus=False,
        )
        yield goto
        yield PathCompletion(goto, lambda: self.browser.folder or self.start)
        yield LocalBrowser(id="local")
        yield OptionList(id="local-places", compact=True)
        yield Input(id="local-filter", placeholder="type to filter; esc clears", compact=True)

    @property
    def browser(self) -> LocalBrowser:
        return self.query_one(LocalBrowser)

    def on_mount(self) -> None:
        self.border_title = "Local files (a adds)"
        self.border_subtitle = HINT
        self.browser.open_folder(self.start)

    def _focus(self, widget: Widget) -> None:
        """Focus now, not after a refresh: keys typed right after `/` must reach the prompt."""
        self.screen.set_focus(widget)

    def _focused_id(self) -> str | None:
        focused = self.screen.focused
        return focused.id if focused is not None else None

    def chosen(self) -> list[LocalEntry]:
        return self.browser.chosen()

    def added(self, entries: list[LocalEntry]) -> None:
        """After the stage took `entries`: unmark them and remember where they came from."""
        self.browser.unmark([entry.path for entry in entries])
        for folder in dict.fromkeys(os.path.dirname(entry.path) for entry in entries):
            self.memory.used(folder)
        self._save_memory()

    # -- the browser's news -----------------------------------------------------------------

    def on_local_browser_folder_changed(self, message: LocalBrowser.FolderChanged) -> None:
        self._show_where()
        filter_line = self.query_one("#local-filter", Input)
        filter_line.value = ""
        filter_line.display = False
        self.memory.visited(message.folder)
        self._save_memory()

    def on_local_browser_marks_changed(self, message: LocalBrowser.MarksChanged) -> None:
        self.border_subtitle = f"{message.count} marked · a adds them" if message.count else HINT

    def on_resize(self) -> None:
        self._show_where()

    def _show_where(self) -> None:
        where = self.query_one("#local-where", Static)
        where.update(shown_path(self.browser.folder or self.start, max(8, where.size.width)))

    def _save_memory(self) -> None:
        with contextlib.suppress(OSError):  # a convenience only: else it starts at home
            save_memory(self.memory)

    # -- path prompt --------------------------------------------------------------------------

    def action_goto(self, start: str) -> None:
        here = self.browser.folder or self.start
        value = "/" if start == "/" else here.rstrip("/") + "/"
        goto = self.query_one("#local-goto", Input)
        goto.value = value if typable(value) else "/"
        goto.cursor_position = len(goto.value)
        self.query_one("#local-where").display = False
        goto.display = True
        self._focus(goto)

    def action_submit(self) -> None:
        goto = self.query_one("#local-goto", Input)
        if self._focused_id() == "local-goto":
            self.query_one(PathCompletion).action_hide()
            try:
                folder = resolve(goto.value, self.browser.folder or self.start)
            except FolderError as exc:
                self.notify(str(exc), severity="error", timeout=4)
                return
            self._close_goto()
            self.browser.open_folder(folder)
        elif self._focused_id() == "local-places":
            self.query_one("#local-places", OptionList).action_select()
        else:
            self._focus(self.browser)  # from the filter line: keep the filter, back to the list

    def action_complete(self) -> None:
        """tab in the prompt while the dropdown is closed: open it (it completes itself)."""
        completion = self.query_one(PathCompletion)
        if completion.option_list.option_count:
            completion.action_show()

    def _close_goto(self) -> None:
        self.query_one("#local-goto").display = False
        self.query_one("#local-where").display = True
        self._focus(self.browser)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        if not event.widget.display:  # a hidden prompt, given focus by a screen's auto-focus
            self._focus(self.browser)

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        if event.widget.id == "local-goto":
            self._close_goto_if_left()

    def _close_goto_if_left(self) -> None:
        goto = self.query_one("#local-goto", Input)
        if goto.display and self._focused_id() != "local-goto":
            goto.display = False
            self.query_one("#local-where").display = True

    # -- places -------------------------------------------------------------------------------

    def action_places(self) -> None:
        places = self.query_one("#local-places", OptionList)
        places.clear_options()
        for path in bookmarks(home_folder(), self.memory.recent):
            places.add_option(Option(shown_path(path, 200), id=path))
        places.highlighted = 0
        self.browser.display = False
        places.display = True
        self._focus(places)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._close_places()
        if event.option.id:
            self.browser.open_folder(event.option.id)

    def _close_places(self) -> None:
        self.query_one("#local-places").display = False
        self.browser.display = True
        self._focus(self.browser)

    # -- filter -------------------------------------------------------------------------------

    def action_filter(self) -> None:
        filter_line = self.query_one("#local-filter", Input)
        filter_line.display = True
        self._focus(filter_line)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "local-filter":
            event.stop()
            self.browser.set_filter(event.value)

    def action_filter_move(self, delta: int) -> None:
        self.browser.action_move(delta)

    def action_cancel(self) -> None:
        """esc, innermost first: the prompt, the places, the filter, then the marks."""
        if self.query_one("#local-goto").display:
            self._close_goto()
        elif self.query_one("#local-places").display:
            self._close_places()
        elif self.query_one("#local-filter").display or self.browser.filter_text:
            filter_line = self.query_one("#local-filter", Input)
            filter_line.value = ""
            filter_line.display = False
            self.browser.set_filter("")
            self._focus(self.browser)
        elif self.browser.marked:
            self.browser.unmark()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        focused_id = self._focused_id()
        if action in ("goto", "places", "filter"):
            return focused_id == "local"
        if action == "submit":
            return focused_id in ("local-goto", "local-places", "local-filter")
        if action == "complete":
            return focused_id == "local-goto"
        if action == "filter_move":
            return focused_id == "local-filter"
        if action == "cancel":
            return bool(
                self.query_one("#local-goto").display
                or self.query_one("#local-places").display
                or self.query_one("#local-filter").display
                or self.browser.filter_text
                or self.browser.marked
            )
        return True
