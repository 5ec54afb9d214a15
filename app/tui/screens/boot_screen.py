"""BootScreen: the whole boot picture of a session — the El Torito catalog (checked against
the specification), each boot image's file and markers, and the system area's MBR, GPT and
APM partitions as `xorriso -report_el_torito plain -report_system_area plain` shows them."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from app.engine.boot_models import SystemArea
from app.engine.errors import EngineError
from app.iso.boot_picture import BootPicture, image_words, read_boot_picture
from app.iso.eltorito import INDICATORS, MEDIA_TYPES, BootEntry
from app.iso.view import IsoDamageError


def _bootable(entry: BootEntry) -> Text:
    if entry.indicator not in INDICATORS:
        return Text(f"? indicator 0x{entry.indicator:02x}", style="bold red")
    return Text("yes" if entry.bootable else "no")


def _media(entry: BootEntry) -> Text:
    known = entry.media_type in MEDIA_TYPES and not any("media" in a for a in entry.anomalies)
    return Text(entry.media_type_name, style="" if known else "bold red")


def catalog_table(picture: BootPicture) -> Table:
    """The catalog as rows a person reads: one column per boot entry."""
    assert picture.catalog is not None
    entries = picture.catalog.entries
    table = Table(box=None, padding=(0, 1), show_header=True, header_style="bold")
    table.add_column("", style="bold", no_wrap=True)
    for n, entry in enumerate(entries):
        table.add_column("default" if entry.section == 0 else f"section {entry.section} #{n}")
    images = [picture.image_for(e) for e in entries]
    rows = [
        ("platform", [f"{e.platform} (0x{e.platform_id:02x})" for e in entries]),
        ("bootable", [_bootable(e) for e in entries]),
        ("media", [_media(e) for e in entries]),
        ("load size", [f"{e.sector_count} × 512 B" for e in entries]),
        ("image at", [f"sector {e.load_rba:,}" for e in entries]),
        ("file", [image_words(i).split(" [")[0] or "-" for i in images]),
        ("markers", [", ".join(i.options) if i and i.options else "-" for i in images]),
        ("segment", [f"0x{e.load_segment:04x}" for e in entries]),
        ("system type", [f"0x{e.system_type:02x}" for e in entries]),
    ]
    for label, values in rows:
        table.add_row(label, *values)
    return table


def system_area_parts(area: SystemArea) -> list[RenderableType]:
    """The system area: its summary words, then one row per partition."""
    head = Text()
    head.append("\nSystem area: ", style="bold")
    head.append(" ".join(area.summary) or "present")
    if area.partitions:
        table = Table(box=None, padding=(0, 1), header_style="bold")
        for column in ("table", "#", "boot", "type", "name", "start", "blocks"):
            table.add_column(column, justify="right" if column in ("start", "blocks") else "left")
        for p in area.partitions:
            kind = f"{p.type} {p.type_name}" if p.table == "MBR" else (p.type_name or p.type)
            size = f"{p.size:,}" + ("" if p.block_size == 512 else f" × {p.block_size}")
            table.add_row(p.table, str(p.number), "yes" if p.bootable else "", kind,
                          p.name or p.path or "", f"{p.start:,}", size)  # fmt: skip
        return [head, table, *(Text(o, style="dim") for o in area.other)]
    return [head, *(Text(o, style="dim") for o in area.other)]


def picture_parts(picture: BootPicture) -> list[RenderableType]:
    """Everything the panel shows, top to bottom."""
    parts: list[RenderableType] = []
    catalog, report = picture.catalog, picture.report
    if catalog is None:
        parts.append(Text("This session has no El Torito boot record.", style="bold"))
    else:
        head = Text()
        where = f" ({report.catalog_path})" if report and report.catalog_path else ""
        head.append(f"Catalog at sector {catalog.catalog_sector:,}{where}\n", style="bold")
        head.append(
            f"Validation entry: platform {catalog.validation_platform} "
            f"(0x{catalog.validation_platform_id:02x}), id '{catalog.id_string}', "
            f"checksum {'ok' if catalog.checksum_ok else 'WRONG'}"
        )
        parts += [head, catalog_table(picture)]
    if report is not None and report.system_area is not None:
        parts += system_area_parts(report.system_area)
    elif not picture.bootable:
        parts.append(Text("It is not bootable: no boot partitions in its system area either."))
    if picture.report_error:
        parts.append(Text(f"xorriso gave no boot report: {picture.report_error}", style="yellow"))
    if picture.problems:
        parts.append(Text("\n".join(f"⚠ {p}" for p in picture.problems), style="bold red"))
    return parts


class BootScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,t,q", "dismiss", "Close")]

    def __init__(self, address: str, session_start: int | None = None) -> None:
        super().__init__()
        self.address = address
        self.session_start = session_start

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="boot-box") as box:
            box.border_title = "Boot picture"
            box.border_subtitle = "esc closes"
            yield Static(Text("reading…", style="dim"), id="boot-text")

    def on_mount(self) -> None:
        self.load()

    @work(thread=True)
    def load(self) -> None:
        try:
            picture = read_boot_picture(self.address, self.session_start)
        except IsoDamageError as exc:
            self.app.call_from_thread(self._show, Text(f"Damaged: {exc}", style="bold red"))
            return
        except (EngineError, OSError) as exc:
            self.app.call_from_thread(self._show, Text(f"cannot read: {exc}", style="red"))
            return
        self.app.call_from_thread(self._show, *picture_parts(picture))

    def _show(self, *parts: RenderableType) -> None:
        self.query_one("#boot-text", Static).update(Group(*parts))
