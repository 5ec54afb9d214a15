"""DiscdeckApp: the Textual application shell; screens do the work."""

from __future__ import annotations

from pathlib import Path

from textual.app import App

import styles
from app.screens.main_screen import MainScreen


class DiscdeckApp(App):
    TITLE = "discdeck"
    CSS_PATH = str(Path(styles.__file__).parent / "discdeck.tcss")

    def __init__(self, address: str | None = None) -> None:
        super().__init__()
        self.address = address

    def on_mount(self) -> None:
        self.push_screen(MainScreen(self.address))
