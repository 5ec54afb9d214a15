"""JournalScreen: past operations (newest first) and the full journal of the chosen one."""

from __future__ import annotations

from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, OptionList, RichLog
from textual.widgets.option_list import Option

from app.config import journal_dir
from app.engine.journal import list_journals, read_journal

MAX_SHOWN_LINES = 5000
"""A long burn journal is shown from its end: the result is what matters most."""


def _outcome(path: Path) -> str:
    """The outcome word from a journal's last lines, without reading the whole file."""
    try:
        with path.open("rb") as handle:
            handle.seek(0, 2)
            handle.seek(max(handle.tell() - 2048, 0))
            tail = handle.read().decode("utf-8", "replace")
    except OSError:
        return "?"
    for word in ("cancelled", "failed", "ok"):
        if f"outcome: {word}" in tail or f'"outcome": "{word}"' in tail:
            return word
    return "running or unfinished"


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
                yield RichLog(id="journal-text", wrap=True, markup=False, highlight=False)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = str(journal_dir())
        self.action_reload()

    def action_reload(self) -> None:
        self.paths = list_journals(journal_dir())
        options = self.query_one(OptionList)
        options.clear_options()
        for path in self.paths:
            options.add_option(Option(f"{path.stem}  {_outcome(path)}", id=str(path)))
        if not self.paths:
            self.query_one(RichLog).write(
                "No operations yet: burns, checks and blanks are journaled here."
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
            lines = read_journal(path).splitlines()
        except OSError as exc:
            lines = [f"cannot read {path}: {exc}"]
        if len(lines) > MAX_SHOWN_LINES:
            lines = [
                f"… {len(lines) - MAX_SHOWN_LINES} earlier lines not shown …",
                *lines[-MAX_SHOWN_LINES:],
            ]
        self.app.call_from_thread(self._fill, lines)

    def _fill(self, lines: list[str]) -> None:
        log = self.query_one(RichLog)
        log.clear()
        log.write("\n".join(lines))

    def action_back(self) -> None:
        self.dismiss()
