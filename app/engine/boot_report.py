"""Pure parser: `-report_el_torito plain -report_system_area plain` -> the whole boot picture.

Formats follow xorriso 1.5.x's own description (`-report_el_torito help`,
`-report_system_area help`): one `Header : value` line each, boot images and partitions
numbered in the value. Every line is read on its own: one that does not parse is kept in
`BootReport.unparsed` and the rest of the report still counts. Tested on recorded
transcripts in tests/fixtures/boot/.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from app.engine.boot_models import BootImage, BootReport, SystemArea, guid_text
from app.engine.boot_partitions import partition_handlers

__all__ = ["BootImage", "BootReport", "SystemArea", "parse_boot_report"]


def _numbered(value: str) -> tuple[int, str]:
    """("1", "rest of the line") of a value that starts with an image/partition number."""
    number, _, rest = value.strip().partition(" ")
    return int(number), rest.strip()


_IMG = re.compile(r"^(\S+)\s+([yn])\s+(\S+)\s+0x([0-9a-fA-F]+)\s+0x([0-9a-fA-F]+)\s+(\d+)\s+(\d+)$")


_PROBLEM = re.compile(r"^(?:xorriso|libisofs|libburn|libisoburn)\s*: (?:SORRY|FAILURE|FATAL)\s*: (.*)$")
"""xorriso's messages at SORRY or worse: why the boot data could not be read."""


class _Reader:
    """The report being read; one handler per header, each for one line."""

    def __init__(self) -> None:
        self.report = BootReport()
        self.handlers: dict[str, Callable[[str], None]] = {
            "Boot record": self._boot_record,
            "El Torito catalog": self._catalog,
            "El Torito cat path": self._cat_path,
            "El Torito images": _ignore,
            "El Torito boot img": self._image,
            "El Torito img path": self._image_field("path"),
            "El Torito img opts": self._image_options,
            "El Torito id string": self._image_field("id_string"),
            "El Torito sel crit": self._image_field("selection_criteria"),
            "El Torito img blks": self._image_field("blocks", int),
            "El Torito hdsiz/512": self._image_field("hd_size_512", int),
        }
        self.handlers.update(_system_area_handlers(self))

    def line(self, line: str) -> None:
        if problem := _PROBLEM.match(line):
            self.report.problems.append(problem.group(1))
            return
        header, colon, value = line.partition(":")
        handler = self.handlers.get(header.strip()) if colon else None
        if handler is not None:
            handler(value.strip())
        elif _is_system_area_extra(header.strip()) and colon:
            self.area().other.append(f"{header.strip()}: {value.strip()}")
        elif line.startswith(("El Torito", "System area", "MBR ", "GPT", "APM")):
            self.report.unparsed.append(line)

    def area(self) -> SystemArea:
        if self.report.system_area is None:
            self.report.system_area = SystemArea()
        return self.report.system_area

    def _boot_record(self, value: str) -> None:
        self.report.boot_record = value

    def _catalog(self, value: str) -> None:
        lba, blocks = value.split()
        self.report.catalog_lba, self.report.catalog_blocks = int(lba), int(blocks)

    def _cat_path(self, value: str) -> None:
        self.report.catalog_path = value

    def _image(self, value: str) -> None:
        number, rest = _numbered(value)
        match = _IMG.match(rest)
        if match is None:
            raise ValueError(rest)
        platform, boot, emul, seg, hdpt, size, lba = match.groups()
        self.report.images.append(
            BootImage(number, platform, boot == "y", emul, int(seg, 16), int(hdpt, 16),
                      int(size), int(lba))
        )  # fmt: skip

    def image(self, number: int) -> BootImage:
        found = next((i for i in self.report.images if i.number == number), None)
        if found is None:
            raise ValueError(f"no boot image {number}")
        return found

    def _image_field(self, name: str, kind: Callable[[str], object] = str) -> Callable[[str], None]:
        def handle(value: str) -> None:
            number, rest = _numbered(value)
            setattr(self.image(number), name, kind(rest))

        return handle

    def _image_options(self, value: str) -> None:
        number, rest = _numbered(value)
        self.image(number).options = rest.split()


def _ignore(_value: str) -> None:
    """A headline for people: nothing to keep."""


_SYSTEM_AREA_EXTRAS = ("MIPS", "SUN SPARC", "SPARC GRUB2", "PALO", "HP-PA", "DEC Alpha", "CHRP")


def _is_system_area_extra(header: str) -> bool:
    return header.startswith(_SYSTEM_AREA_EXTRAS)


def _system_area_handlers(reader: _Reader) -> dict[str, Callable[[str], None]]:
    """Handlers of `-report_system_area plain` lines (see `-report_system_area help`)."""

    def scalar(name: str, kind: Callable[[str], object]) -> Callable[[str], None]:
        def handle(value: str) -> None:
            setattr(reader.area(), name, kind(value))

        return handle

    def problem(header: str) -> Callable[[str], None]:
        def handle(value: str) -> None:
            reader.area().problems.append(f"{header}: {value}")

        return handle

    handlers: dict[str, Callable[[str], None]] = {
        "System area options": scalar("options", lambda v: int(v, 16)),
        "System area summary": scalar("summary", str.split),
        "ISO image size/512": scalar("image_size_512", int),
        "Partition offset": scalar("partition_offset", int),
        "MBR heads per cyl": scalar("mbr_heads", int),
        "MBR secs per head": scalar("mbr_sectors", int),
        "GPT disk GUID": scalar("gpt_disk_guid", guid_text),
        "GPT entry array": scalar("gpt_entries", str),
        "GPT lba range": scalar("gpt_lba_range", lambda v: tuple(int(n) for n in v.split())),
        "APM block size": scalar("apm_block_size", int),
        "APM gap fillers": _ignore,
        "PReP boot partition": scalar("prep", lambda v: tuple(int(n) for n in v.split())),
        "MBR partition table": _ignore,
        "GPT": _ignore,
        "APM": _ignore,
    }
    for header in (
        "GPT CRC should be",
        "GPT CRC found",
        "GPT array CRC wrong",
        "GPT backup problems",
    ):
        handlers[header] = problem(header)
    handlers.update(partition_handlers(reader.area))
    return handlers


def parse_boot_report(text: str) -> BootReport:
    """The boot picture in a transcript; lines of other commands are ignored."""
    reader = _Reader()
    for raw in text.splitlines():
        line = raw.strip()
        try:
            reader.line(line)
        except (ValueError, IndexError):
            reader.report.unparsed.append(line)  # this line only; the report goes on
    return reader.report
