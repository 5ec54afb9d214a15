"""TocTable: one row per session — index, kind, start sector, size, volume id."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from app.engine.models import Session
from app.media.view import blocks_text, size_text


class TocTable(DataTable):
    DEFAULT_CSS = """
    TocTable { height: auto; max-height: 12; }
    """

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True
        self.add_column("#", key="index")
        self.add_column("Kind", key="kind")
        self.add_column("Start", key="start")
        self.add_column("Blocks", key="blocks")
        self.add_column("Size", key="size")
        self.add_column("Volume ID", key="volid")

    def show_sessions(self, sessions: list[Session]) -> None:
        self.clear()
        for s in sessions:
            self.add_row(
                Text(str(s.index), justify="right"),
                s.kind,
                Text(blocks_text(s.start), justify="right"),
                Text(blocks_text(s.blocks), justify="right"),
                Text(size_text(s.blocks), justify="right"),
                s.volume_id or "—",
                key=str(s.index),
            )
