"""OptionsScreen: the burn options of the stage (MD5 tags, close, simulate, speed...)."""

from __future__ import annotations

import re

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Label, Static

from app.stage.model import StageOptions

SPEED = re.compile(r"^(max|min|0|\d+(\.\d+)?[cdb]?|\d+k)$")
"""xorriso -speed values: max, a factor with a media letter (4d, 8c, 2b), or kB/s (1385k)."""


class OptionsScreen(ModalScreen[bool]):
    BINDINGS = [Binding("escape", "save", "Done")]

    def __init__(self, options: StageOptions) -> None:
        super().__init__()
        self.options = options

    def compose(self) -> ComposeResult:
        o = self.options
        with Vertical(id="options-box") as box:
            box.border_title = "Burn options"
            box.border_subtitle = "space toggles · esc done"
            yield Checkbox(
                "MD5 tags for every file (needed by checkread)", o.md5, id="md5", compact=True
            )
            yield Checkbox(
                "Close the medium after this session (final)", o.close, id="close", compact=True
            )
            yield Checkbox(
                "Simulate only (-dummy: nothing is written)", o.dummy, id="dummy", compact=True
            )
            yield Checkbox("Joliet names for Windows", o.joliet, id="joliet", compact=True)
            yield Checkbox("Verify after burning (checkread)", o.verify, id="verify", compact=True)
            yield Label("Speed: max, or a factor such as 4d (DVD), 8c (CD), 2b (BD):")
            yield Input(o.speed, id="speed", compact=True)
            yield Static("", id="options-error")

    def action_save(self) -> None:
        speed = self.query_one("#speed", Input).value.strip().lower() or "max"
        if not SPEED.match(speed):
            self.query_one("#options-error", Static).update(
                "[red]speed must be max, a factor like 4d / 8c / 2b, or kB/s like 1385k[/]"
            )
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
