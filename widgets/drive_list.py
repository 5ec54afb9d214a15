"""DriveList: the recorders discdeck can use, virtual ones labelled as such, each with
the state of its job (burning 43 %, verifying, done, failed) and a mark for "burn to
several drives". Remote hosts' drives follow, grouped under a heading row per host
(headings and notes are disabled options: the cursor skips them)."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from app.drives.listing import DriveEntry

STATE_STYLES = {"done": "bold green", "failed": "bold red", "cancelled": "bold yellow"}


class DriveList(OptionList):
    """Arrow keys move, enter (or a click) opens the highlighted drive, space marks it."""

    DEFAULT_CSS = """
    DriveList { height: auto; max-height: 100%; }
    DriveList > .option-list--option-disabled { color: $text; }  /* host headings read */
    """
    BINDINGS = [Binding("space", "mark", "Mark", show=False)]

    class DriveChosen(Message):
        def __init__(self, entry: DriveEntry) -> None:
            super().__init__()
            self.entry = entry

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.entries: list[DriveEntry] = []
        self.marked: set[str] = set()
        """Addresses marked with space: the drives "burn" writes to at once."""
        self.states: dict[str, str] = {}
        """Each drive's job state in words, from the app's job registry."""

    def set_entries(self, entries: list[DriveEntry], current: str | None = None) -> None:
        self.entries = entries
        self.marked &= {entry.address for entry in entries}
        highlighted = current
        self.clear_options()
        for entry in entries:
            self.add_option(Option(self._label(entry), id=entry.address,
                                   disabled=entry.row != "drive"))  # fmt: skip
        for index, entry in enumerate(entries):
            if entry.address == highlighted:
                self.highlighted = index

    def _label(self, entry: DriveEntry) -> Text:
        if entry.row == "host":  # a remote host's heading: its drives follow, indented
            return Text.assemble(("▾ ", "bold"), (entry.title, "bold underline"),
                                 (f"  {entry.detail}", "dim"), no_wrap=True, overflow="ellipsis")  # fmt: skip
        if entry.row == "note":  # why a host shows no drives: one greyed line
            return Text(f"  {entry.title}", style="dim italic", no_wrap=True, overflow="ellipsis")
        label = Text()
        if entry.address in self.marked:
            label.append("● ", style="bold cyan")
        label.append(entry.title, style="bold")
        tag = " virtual" if entry.virtual else ""
        if entry.problem:
            label.append("  ⚠", style="bold yellow")
        label.append(f"\n{entry.detail}{tag}", style="dim")
        state = self.states.get(entry.address)
        if state:  # a line of its own: a narrow pane must not wrap it into the name
            label.append(f"\n» {state}", style=STATE_STYLES.get(state, "bold magenta"))
        return label

    def set_states(self, states: dict[str, str]) -> None:
        """Redraw only the rows whose state changed."""
        changed = {a for a in set(states) | set(self.states) if states.get(a) != self.states.get(a)}
        self.states = dict(states)
        self._redraw(changed)

    def _redraw(self, addresses: set[str]) -> None:
        for entry in self.entries:
            if entry.address in addresses:
                self.replace_option_prompt(entry.address, self._label(entry))

    def selected(self) -> DriveEntry | None:
        index = self.highlighted
        return self.entries[index] if index is not None and index < len(self.entries) else None

    def action_mark(self) -> None:
        entry = self.selected()
        if entry is None or entry.row != "drive":
            return
        self.marked ^= {entry.address}
        self._redraw({entry.address})

    def marked_entries(self) -> list[DriveEntry]:
        return [entry for entry in self.entries if entry.address in self.marked]

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(self.DriveChosen(self.entries[event.option_index]))
