"""JournalScreen: past operations (newest first) and the full journal of the chosen one."""

from __future__ import annotations

from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, OptionList
from textual.widgets.option_list import Option

from app.config import journal_dir
from app.engine.journal import journal_lines, journal_outcome, list_journals
from widgets.log_pane import LogPane

MAX_SHOWN_LINES = 5000
"""A long burn journal is shown from its end: the result is what matters most."""


class JournalScreen(Screen):
    BINDINGS = [Binding("escape", "back", "Back"), Binding("r", "reload", "Reload")]

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="journal-top"):
            with Vertical(id="journal-list-box") as box:
                box.border_title = "Operations"
                yield OptionList(id="journal-list")
            with Vertical(id="journal-text-box") as box:
                box.border_title = "Journal"
                yield LogPane(id="journal-text", max_lines=None)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = str(journal_dir())
        self.action_reload()

    def action_reload(self) -> None:
        self.paths = list_journals(journal_dir())
        options = self.query_one(OptionList)
        options.clear_options()
        for path in self.paths:
            options.add_option(Option(f"{path.stem}  {journal_outcome(path)}", id=str(path)))
        if not self.paths:
            self.query_one(LogPane).show_lines(
                ["No operations yet: burns, checks and blanks are journaled here."]
            )
        else:
            options.highlighted = 0
            self.show(self.paths[0])

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id:
            self.show(Path(event.option.id))

    @work(thread=True, exclusive=True, group="journal")
    def show(self, path: Path) -> None:
        try:
            lines = journal_lines(path, MAX_SHOWN_LINES)
        except OSError as exc:
            lines = [f"cannot read {path}: {exc}"]
        self.app.call_from_thread(self._fill, lines)

    def _fill(self, lines: list[str]) -> None:
        self.query_one(LogPane).show_lines(lines)

    def action_back(self) -> None:
        self.dismiss()
