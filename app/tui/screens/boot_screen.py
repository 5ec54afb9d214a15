"""BootScreen: the El Torito boot catalog, like `isoinfo -d` (validation entry, boot entries)."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from app.engine.errors import EngineError
from app.iso.eltorito import INDICATORS, MEDIA_TYPES, BootCatalog, BootEntry, read_boot_catalog
from app.iso.view import IsoDamageError


def _bootable(entry: BootEntry) -> Text:
    if entry.indicator not in INDICATORS:
        return Text(f"? indicator 0x{entry.indicator:02x}", style="bold red")
    return Text("yes" if entry.bootable else "no")


def _media(entry: BootEntry) -> Text:
    known = entry.media_type in MEDIA_TYPES and not any("media" in a for a in entry.anomalies)
    return Text(entry.media_type_name, style="" if known else "bold red")


def catalog_table(catalog: BootCatalog) -> Table:
    """The catalog as rows a person reads: one column per boot entry."""
    table = Table(box=None, padding=(0, 1), show_header=True, header_style="bold")
    table.add_column("", style="bold", no_wrap=True)
    for n, entry in enumerate(catalog.entries):
        table.add_column("default" if entry.section == 0 else f"section {entry.section} #{n}")
    rows = [
        ("platform", [f"{e.platform} (0x{e.platform_id:02x})" for e in catalog.entries]),
        ("bootable", [_bootable(e) for e in catalog.entries]),
        ("media", [_media(e) for e in catalog.entries]),
        ("load segment", [f"0x{e.load_segment:04x}" for e in catalog.entries]),
        ("system type", [f"0x{e.system_type:02x}" for e in catalog.entries]),
        ("sectors", [f"{e.sector_count} (512 B)" for e in catalog.entries]),
        ("image at", [f"sector {e.load_rba:,}" for e in catalog.entries]),
    ]
    for label, values in rows:
        table.add_row(label, *values)
    return table


class BootScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,t,q", "dismiss", "Close")]

    def __init__(self, address: str, session_start: int | None = None) -> None:
        super().__init__()
        self.address = address
        self.session_start = session_start

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="boot-box") as box:
            box.border_title = "El Torito boot catalog"
            box.border_subtitle = "esc closes"
            yield Static(Text("reading…", style="dim"), id="boot-text")

    def on_mount(self) -> None:
        self.load()

    @work(thread=True)
    def load(self) -> None:
        try:
            catalog = read_boot_catalog(self.address, self.session_start)
        except IsoDamageError as exc:
            self.app.call_from_thread(self._show, Text(f"Damaged: {exc}", style="bold red"))
            return
        except (EngineError, OSError) as exc:
            self.app.call_from_thread(self._show, Text(f"cannot read: {exc}", style="red"))
            return
        if catalog is None:
            self.app.call_from_thread(
                self._show, Text("This session is not bootable: it has no El Torito boot record.")
            )
            return
        head = Text()
        head.append(f"Catalog at sector {catalog.catalog_sector:,}\n", style="bold")
        head.append(
            f"Validation entry: platform {catalog.validation_platform} "
            f"(0x{catalog.validation_platform_id:02x}), id '{catalog.id_string}', "
            f"checksum {'ok' if catalog.checksum_ok else 'WRONG'}\n"
        )
        for problem in catalog.problems:
            head.append(f"⚠ {problem}\n", style="bold red")
        self.app.call_from_thread(self._show, head, catalog_table(catalog))

    def _show(self, *parts: object) -> None:
        self.query_one("#boot-text", Static).update(Group(*parts))
