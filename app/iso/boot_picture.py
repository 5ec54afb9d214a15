"""The whole boot picture of a session: our El Torito reading (which checks the catalog
against the specification) beside xorriso's report (paths, boot-info-table / isohybrid /
GRUB2 markers, and the system area's MBR, GPT and APM partitions).

Two readers on purpose: the catalog reader names damage xorriso shows as normal, and
xorriso knows the files and partition maps the catalog does not describe.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.engine.boot_models import BootImage, BootReport, Partition
from app.engine.errors import EngineError
from app.engine.inspect import read_boot_report
from app.iso.eltorito import BootCatalog, BootEntry, read_boot_catalog


@dataclass
class BootPicture:
    catalog: BootCatalog | None
    """None: no El Torito boot record."""
    report: BootReport | None
    """None when xorriso could not be asked (`report_error` says why)."""
    report_error: str | None = None
    problems: list[str] = field(default_factory=list)
    """Everything found wrong, one line each: the catalog's, then xorriso's."""

    @property
    def bootable(self) -> bool:
        """Anything to boot from: an El Torito catalog or system area boot data."""
        area = self.report.system_area if self.report else None
        return self.catalog is not None or bool(area and area.partitions)

    def image_for(self, entry: BootEntry) -> BootImage | None:
        """xorriso's view of one catalog entry (same start sector, the same place in the
        catalog when it can be told)."""
        if self.report is None or self.catalog is None:
            return None
        index = self.catalog.entries.index(entry)
        images = self.report.images
        if index < len(images) and images[index].lba == entry.load_rba:
            return images[index]
        return next((i for i in images if i.lba == entry.load_rba), None)

    def partitions(self) -> list[Partition]:
        area = self.report.system_area if self.report else None
        return list(area.partitions) if area else []


def read_boot_picture(address: str, session_start: int | None = None) -> BootPicture:
    """Both readings of one session. IsoDamageError (one line) when the boot record points
    at no catalog; xorriso's own failure is kept in `report_error`, not raised."""
    catalog = read_boot_catalog(address, session_start)
    try:
        report: BootReport | None = read_boot_report(address, session_start)
        error = None
    except EngineError as exc:
        report, error = None, str(exc)
    picture = BootPicture(catalog, report, error)
    if catalog is not None:
        picture.problems += catalog.problems
    if report is not None:
        picture.problems += [f"xorriso: {p}" for p in report.problems]
        if report.system_area is not None:
            picture.problems += [f"system area: {p}" for p in report.system_area.problems]
    return picture


def partition_words(p: Partition) -> str:
    """One partition as people read it: "MBR 1: bootable, 0xcd ISO 9660, 9923 × 512 B at 1"."""
    kind = f"{p.type} {p.type_name}" if p.type_name and p.table == "MBR" else (p.type_name or p.type)
    name = f' "{p.name}"' if p.name else ""
    boot = "bootable, " if p.bootable else ""
    where = f"{p.size:,} × {p.block_size} B at {p.start:,}"
    path = f" = {p.path}" if p.path else ""
    return f"{p.table} {p.number}{name}: {boot}{kind}, {where}{path}"


def image_words(image: BootImage | None) -> str:
    """Path and markers of a boot image, or how a hidden one is bounded."""
    if image is None:
        return ""
    where = image.path or (
        f"hidden (≤ {image.blocks:,} blocks)" if image.blocks is not None else "hidden"
    )
    markers = f" [{', '.join(image.options)}]" if image.options else ""
    return where + markers
