"""EntryDetails: everything known about one file on the disc, in label/value rows."""

from __future__ import annotations

import stat

import humanize
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from app.iso.view import Entry
from app.stage.names import display


class EntryDetails(Static):
    DEFAULT_CSS = """
    EntryDetails { height: auto; padding: 0 1; }
    """

    def show_entry(self, entry: Entry | None) -> None:
        if entry is None:
            self.update(Text("Highlight a file to see its details.", style="dim"))
            return
        table = Table.grid(padding=(0, 1))
        table.add_column(style="bold", no_wrap=True)
        table.add_column(overflow="fold")
        kind = "folder" if entry.is_dir else "symlink" if entry.is_symlink else "file"
        table.add_row("Path", display(entry.iso_path))
        size = f"{humanize.naturalsize(entry.size, binary=True)} ({entry.size:,} bytes)"
        table.add_row("Type", f"{kind}, {size}" if not entry.is_dir else kind)
        if entry.is_symlink:
            table.add_row("Target", display(entry.symlink_target or ""))
        if entry.extents:
            parts = [f"sector {start:,} +{length:,} B" for start, length in entry.extents[:3]]
            more = f" … {len(entry.extents)} extents" if len(entry.extents) > 3 else ""
            table.add_row("Extents", ", ".join(parts) + more)
        owner = "-" if entry.uid is None else f"{entry.uid}:{entry.gid}"
        table.add_row(
            "Mode", f"{stat.filemode(entry.mode)}  owner {owner}  names: {entry.name_source}"
        )
        if entry.mtime is not None:
            table.add_row("Modified", entry.mtime.strftime("%Y-%m-%d %H:%M:%S %z"))
        if entry.damage:
            table.add_row(Text("Damaged", style="bold red"), Text(entry.damage, style="red"))
        self.update(table)
