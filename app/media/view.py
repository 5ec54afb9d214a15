"""What the media panel and `discdeck info` show, computed once from a MediumReport.

Pure formatting, kept out of widgets so the UI only renders and the CLI prints the same
words. For virtual recorders the host disk's free space that xorriso reports is replaced
by the recorder's nominal capacity, so the figures are the same on every machine.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field

import humanize

from app.drives.virtual import VirtualRecorder
from app.engine.models import SECTOR, MediumReport

STATUS_WORDS = {
    "blank": "blank (ready to write)",
    "appendable": "appendable (can add sessions)",
    "closed": "closed (read-only)",
    "absent": "no medium",
    "unknown": "unknown",
}


def short_address(address: str) -> str:
    """An address to show in narrow places: the home folder as `~` (argv, journals and
    logs keep the full path)."""
    home = os.path.expanduser("~").rstrip("/")
    for prefix in ("stdio:", ""):
        if home and address.startswith(f"{prefix}{home}/"):
            return f"{prefix}~{address[len(prefix) + len(home) :]}"
    return address


def size_text(blocks: int | None) -> str:
    """Blocks as a human size, e.g. 4.4 GiB; '-' when unknown."""
    if blocks is None:
        return "-"
    return humanize.naturalsize(blocks * SECTOR, binary=True)


def blocks_text(blocks: int | None) -> str:
    return "-" if blocks is None else f"{blocks:,}"


@dataclass
class MediumView:
    rows: list[tuple[str, str]] = field(default_factory=list)
    used_blocks: int = 0
    capacity_blocks: int | None = None
    free_blocks: int | None = None
    summary: str = ""


def used_blocks(report: MediumReport) -> int:
    """Blocks in use: the next writable address if known, else the readable extent."""
    media = report.toc.media
    if media.status == "blank":
        return 0
    if media.nwa is not None:
        return media.nwa
    return media.readable_blocks or media.data_blocks or 0


def free_blocks(report: MediumReport, recorder: VirtualRecorder | None = None) -> int | None:
    """Free blocks to plan against: a virtual recorder's nominal room, else xorriso's figure
    (for a plain image file, the host disk's free space)."""
    media = report.toc.media
    if recorder is None:
        return media.writable_blocks
    if media.status == "closed":
        return 0
    return max(recorder.capacity_blocks - used_blocks(report), 0)


def toc_document(report: MediumReport, recorder: VirtualRecorder | None = None) -> dict:
    """`info --json`: the TOC as xorriso read it; on a virtual recorder its nominal medium
    (capacity as overall, the room left as writable) and a "recorder" key, as the app shows."""
    document = dataclasses.asdict(report.toc)
    if recorder is not None:
        document["media"]["overall_blocks"] = recorder.capacity_blocks
        document["media"]["writable_blocks"] = free_blocks(report, recorder)
        document["recorder"] = {
            "name": recorder.name,
            "medium": recorder.medium,
            "capacity_blocks": recorder.capacity_blocks,
        }
    if report.filesystem:
        document["filesystem"] = report.filesystem
    return document


def _next_address(status: str, nwa: int | None) -> str:
    if status == "blank":
        return "sector 0"
    if status in ("closed", "absent"):
        return "none (not writable)" if status == "closed" else "-"
    return "-" if nwa is None else f"sector {nwa:,}"


def describe_medium(report: MediumReport, recorder: VirtualRecorder | None = None) -> MediumView:
    toc, media = report.toc, report.toc.media
    view = MediumView(used_blocks=used_blocks(report))
    image_file = recorder is None and toc.drive.address.startswith("stdio:")
    if image_file:
        # A plain image grows as it is written; its "capacity" is the host disk's free space.
        view.capacity_blocks = view.used_blocks
        view.free_blocks = media.writable_blocks
        profile = f"image file ({media.profile or 'stdio'})"
    elif recorder is not None:
        view.capacity_blocks = recorder.capacity_blocks
        view.free_blocks = free_blocks(report, recorder)
        profile = f"virtual {recorder.medium}"
    else:
        view.capacity_blocks = media.overall_blocks
        view.free_blocks = media.writable_blocks
        profile = media.profile or "-"
    drive = " ".join(p for p in (toc.drive.vendor, toc.drive.product, toc.drive.revision) if p)
    if recorder is not None:
        drive = "virtual recorder (stdio: image)"
    view.rows = [
        ("Drive", drive or "-"),
        ("Profile", profile),
        ("Status", STATUS_WORDS[media.status]),
    ]
    if media.product:
        view.rows.append(("Product", media.product))
    view.rows += [
        ("Readable", f"{blocks_text(media.readable_blocks)} blocks"),
        ("Free", f"{blocks_text(view.free_blocks)} blocks ({size_text(view.free_blocks)})"),
        (
            "Capacity",
            "grows as written (free = host disk)"
            if image_file
            else f"{blocks_text(view.capacity_blocks)} blocks ({size_text(view.capacity_blocks)})",
        ),
        ("Next addr", _next_address(media.status, media.nwa)),
    ]
    if report.filesystem:
        view.rows.append(("File sys", report.filesystem))
    count = media.sessions_count
    view.summary = (
        f"{count} session{'s' if count != 1 else ''}, "
        f"{blocks_text(media.data_blocks or 0)} data blocks ({size_text(media.data_blocks or 0)}), "
        f"{size_text(view.free_blocks)} free"
    )
    return view
