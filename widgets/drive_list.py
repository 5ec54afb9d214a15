"""DriveList: the recorders discdeck can use, virtual ones labelled as such."""

from __future__ import annotations

from rich.text import Text
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from app.drives.listing import DriveEntry


class DriveList(OptionList):
    """Arrow keys move, enter (or a click) opens the highlighted drive."""

    DEFAULT_CSS = """
    DriveList { height: auto; max-height: 100%; }
    """

    class DriveChosen(Message):
        def __init__(self, entry: DriveEntry) -> None:
            super().__init__()
            self.entry = entry

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.entries: list[DriveEntry] = []

    def set_entries(self, entries: list[DriveEntry], current: str | None = None) -> None:
        self.entries = entries
        self.clear_options()
        for entry in entries:
            label = Text(entry.title, style="bold")
            tag = " virtual" if entry.virtual else ""
            if entry.problem:
                label.append("  ⚠", style="bold yellow")
            label.append(f"\n{entry.detail}{tag}", style="dim")
            self.add_option(Option(label, id=entry.address))
        for index, entry in enumerate(entries):
            if entry.address == current:
                self.highlighted = index

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(self.DriveChosen(self.entries[event.option_index]))
