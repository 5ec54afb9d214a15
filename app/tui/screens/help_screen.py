"""HelpScreen: the key map, so nothing has to be remembered."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEYMAP: list[tuple[str, str]] = [  # one line each at 80 columns: descriptions <= 46 chars
    ("↑ ↓", "move in a list or table"),
    ("enter", "open the highlighted drive"),
    ("tab / shift+tab", "move between panes"),
    ("a", "add files: the stage for the next session"),
    ("b", "burn the stage as a new session"),
    ("c", "checkread: MD5 of every file against its tag"),
    ("B / F", "blank / format the medium (both ask first)"),
    ("e", "eject"),
    ("i", "inspect a session's files (x extract, t boot)"),
    ("browser: d / R", "mark for removal / remaster, boot kept"),
    ("s", "surface scan: which blocks read well"),
    ("w / v / R / C", "write an image / compare / read to one / copy"),
    ("N", "a new blank in a virtual recorder (shelves it)"),
    ("space / b", "mark drives / burn the stage to all marked"),
    ("K", "burn copies in a row (N, verify each)"),
    ("o / J", "the drive's job screen / every job (switch)"),
    ("job: h", "hide the job's screen; the job goes on"),
    ("j", "journal: past operations, xorriso's words"),
    ("f", "catalog: which disc holds a file, disc health"),
    ("catalog: enter x i", "health history / export / import the disc"),
    ("L", "jukebox (loader): slots; l load, u unload"),
    ("r", "re-read the drive's medium and TOC"),
    ("d", "look for drives again"),
    ("stage: space / a", "mark / add the marked (else highlighted)"),
    ("stage: backspace / ~", "parent folder / home (← → walk too)"),
    ("stage: / or g / p", "type a path (tab completes) / places"),
    ("stage: f / . / r", "filter (esc clears) / hidden / re-read"),
    ("stage: del F2 n m v o", "remove, rename, new folder, move, vol id, opts"),
    ("stage: s", "save the stage as a new .iso image file"),
    ("S", "disc sets, resume one; on the stage: plan one"),
    ("ctrl+s / ctrl+o", "save the stage as a named project / open one"),
    ("esc", "back, or cancel a running job (asks first)"),
    ("? / q", "this help / quit"),
]


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "dismiss", "Close"),
        Binding("question_mark", "dismiss", "Close", show=False),
        Binding("q", "dismiss", "Close", show=False),
    ]

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold cyan", no_wrap=True)
        table.add_column()
        for key, what in KEYMAP:
            table.add_row(key, what)
        with VerticalScroll(id="help-box") as box:  # scrolls on terminals under 24 rows
            box.border_title = "Keys"
            box.border_subtitle = "esc closes"
            yield Static(table)
