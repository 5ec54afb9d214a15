"""LocalBrowser: the local file system to pick from; hidden entries on request only."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from textual.binding import Binding
from textual.widgets import DirectoryTree


class LocalBrowser(DirectoryTree):
    BINDINGS = [Binding("full_stop", "toggle_hidden", "Hidden files", show=False)]

    show_hidden = False

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        if self.show_hidden:
            return paths
        return [path for path in paths if not path.name.startswith(".")]

    def action_toggle_hidden(self) -> None:
        self.show_hidden = not self.show_hidden
        self.reload()
        self.notify(f"hidden files {'shown' if self.show_hidden else 'hidden'}", timeout=2)
