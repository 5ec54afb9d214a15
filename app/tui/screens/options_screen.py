"""OptionsScreen: the burn options of the stage (MD5 tags, close, simulate, speed...)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Label, Static

from app.engine.options import BurnOptions, check_speed
from widgets.text_checkbox import TextCheckbox


class OptionsScreen(ModalScreen[bool]):
    BINDINGS = [
        Binding("escape", "save", "Done"),
        Binding("up", "app.focus_previous", "Previous", show=False),
        Binding("down", "app.focus_next", "Next", show=False),
    ]

    def __init__(self, options: BurnOptions) -> None:
        super().__init__()
        self.options = options

    def compose(self) -> ComposeResult:
        o = self.options
        with Vertical(id="options-box") as box:
            box.border_title = "Burn options"
            box.border_subtitle = "space toggles · esc done"
            yield TextCheckbox(
                "MD5 tags for every file (needed by checkread)", o.md5, id="md5", compact=True
            )
            yield TextCheckbox(
                "Close the medium after this session (final)", o.close, id="close", compact=True
            )
            yield TextCheckbox(
                "Simulate only (-dummy: nothing is written)", o.dummy, id="dummy", compact=True
            )
            yield TextCheckbox("Joliet names for Windows", o.joliet, id="joliet", compact=True)
            yield TextCheckbox("Verify after burning (checkread)", o.verify, id="verify", compact=True)
            yield Label("Speed: max, or a factor such as 4d (DVD), 8c (CD), 2b (BD):")
            yield Input(o.speed, id="speed", compact=True)
            yield Static("", id="options-error")

    def action_save(self) -> None:
        try:
            speed = check_speed(self.query_one("#speed", Input).value)
        except ValueError as exc:
            self.query_one("#options-error", Static).update(Text(str(exc), style="red"))
            return
        o = self.options
        before = (o.md5, o.close, o.dummy, o.joliet, o.verify, o.speed)
        for name in ("md5", "close", "dummy", "joliet", "verify"):
            setattr(o, name, self.query_one(f"#{name}", Checkbox).value)
        o.speed = speed
        self.dismiss(before != (o.md5, o.close, o.dummy, o.joliet, o.verify, o.speed))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()
