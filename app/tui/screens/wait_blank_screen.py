"""WaitBlankScreen: a real drive was opened for the set's next disc; wait (looking every
2 s) until a blank medium is in, then dismiss True. esc stops: the set resumes later."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from app.engine.errors import EngineError
from app.jobs.copies import blank_in
from app.jobs.set_steps import wait_blank


class WaitBlankScreen(ModalScreen[bool]):
    BINDINGS = [Binding("escape", "stop", "Stop")]

    def __init__(self, address: str, lines: list[str]) -> None:
        super().__init__()
        self.address = address
        self.lines = lines
        self.stopped = False

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box") as box:
            box.border_title = "Insert a blank"
            box.border_subtitle = "esc stops: the set resumes from Sets (S)"
            yield Static(Text("\n".join(self.lines)), id="confirm-text")
            yield Static("", id="wait-blank-status")

    def on_mount(self) -> None:
        self.wait()

    @work(thread=True, exclusive=True, group="wait-blank")
    def wait(self) -> None:
        try:
            for waited in wait_blank(self.address, lambda: self.stopped):
                text = f"waiting for a blank medium: {waited:.0f} s"
                self.app.call_from_thread(self.query_one("#wait-blank-status", Static).update, text)
        except EngineError:
            pass  # cancelled (esc dismissed already) or an hour without a blank
        if not self.stopped:
            self.app.call_from_thread(self.dismiss, blank_in(self.address))

    def action_stop(self) -> None:
        self.stopped = True
        self.dismiss(False)
