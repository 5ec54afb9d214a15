"""Headless twins of the session browser and the boot panel: `discdeck ls` and `boot`."""

from __future__ import annotations

import dataclasses
import json
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pycdlib is imported only when the UDF tree is asked for
    from app.iso.udf_view import UdfView

from app.engine.inspect import read_medium
from app.iso.boot_picture import BootPicture, image_words, partition_words, read_boot_picture
from app.iso.eltorito import INDICATORS, BootEntry
from app.iso.entry import IsoFormatError
from app.iso.file import device_path
from app.iso.udf import udf_words
from app.iso.view import Entry, IsoView, open_session
from app.stage.names import display


def session_start(address: str, session: int | None) -> int | None:
    """Start sector of session N (1-based) from the TOC; None reads the newest."""
    if session is None:
        return None
    sessions = [s for s in read_medium(address).toc.sessions if s.kind == "ISO"]
    chosen = next((s for s in sessions if s.index == session), None)
    if chosen is None:
        have = ", ".join(str(s.index) for s in sessions) or "none"
        raise ValueError(f"no ISO session {session} on {address} (sessions: {have})")
    return chosen.start if len(sessions) > 1 else None


def _row(entry: Entry) -> dict[str, object]:
    kind = "dir" if entry.is_dir else "symlink" if entry.is_symlink else "file"
    return {
        "name": entry.name,
        "path": entry.iso_path,
        "type": kind,
        "size": entry.size,
        "start_sector": entry.start_sector,
        "symlink_target": entry.symlink_target,
        "damage": entry.damage,
    }


def bootable_word(entry: BootEntry) -> str:
    """bootable, not bootable, or the raw indicator when it is neither."""
    if entry.indicator not in INDICATORS:
        return f"boot indicator 0x{entry.indicator:02x} (invalid)"
    return "bootable" if entry.bootable else "not bootable"


def _report_damage(problems: list[str]) -> int:
    """One line on stderr naming the (first) damage; the exit status a script sees."""
    if not problems:
        return 0
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    print(f"discdeck: damaged: {problems[0]}{more}", file=sys.stderr)
    return 1


def _open_tree(address: str, session: int | None, udf: bool) -> IsoView | UdfView:
    """The ISO 9660 session, or with `udf` the UDF tree; a UDF-only medium is named in the
    error (pycdlib cannot open it without an ISO 9660 descriptor)."""
    try:
        if udf:
            # pycdlib (~60 ms of imports) only when the UDF tree is asked for.
            from app.iso.udf_view import UdfView

            return UdfView(address)
        return open_session(address, session_start(address, session))
    except IsoFormatError as exc:
        words = udf_words(device_path(address))
        if words is None:
            raise
        raise IsoFormatError(
            f"{words}; UDF only, no ISO 9660: discdeck cannot list it, mount it to read it "
            f"(sudo mount -t udf -o ro,loop {device_path(address)} /mnt)"
            if "PVD" in str(exc) or not udf
            else f"{words}: {exc}"
        ) from None


def ls(address: str, path: str, session: int | None, *, as_json: bool, udf: bool = False) -> int:
    """List a folder (or one file); damage found on the way exits 1 with a one-line reason
    after what could be read is printed."""
    with _open_tree(address, session, udf) as view:
        target = view.stat(path)
        entries = view.list(target) if target.is_dir else [target]
        rows = [_row(e) for e in sorted(entries, key=lambda e: e.name)]
        problems = list(view.problems)
    problems += [f"{row['path']}: {row['damage']}" for row in rows if row["damage"]]
    if as_json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        for row in rows:
            mark = "/" if row["type"] == "dir" else ""
            note = "  [damaged]" if row["damage"] else ""
            print(
                f"{row['size']:>14,}  {row['start_sector'] or 0:>10}  "
                f"{display(str(row['name']))}{mark}{note}"
            )
    return _report_damage(problems)


def boot(address: str, *, as_json: bool) -> int:
    """The whole boot picture: El Torito entries with their files and markers, and the
    system area's partitions; anything damaged or outside the specification exits 1."""
    picture = read_boot_picture(address)
    if as_json:
        print(json.dumps(_boot_document(picture), indent=2, ensure_ascii=False))
        return _report_damage(picture.problems)
    catalog = picture.catalog
    if not picture.bootable:
        print("not bootable: no El Torito boot record and no boot partitions")
    if catalog is not None:
        where = picture.report.catalog_path if picture.report else None
        print(
            f"catalog at sector {catalog.catalog_sector}" + (f" ({where})" if where else "")
            + f", validation platform {catalog.validation_platform}"
        )  # fmt: skip
        for e in catalog.entries:
            image = image_words(picture.image_for(e))
            print(
                f"  section {e.section}: {e.platform}, {bootable_word(e)}, "
                f"{e.media_type_name}, load segment 0x{e.load_segment:04x}, system type 0x{e.system_type:02x}, "
                f"{e.sector_count} sectors at {e.load_rba}" + (f": {image}" if image else "")
            )
    area = picture.report.system_area if picture.report else None
    if area is not None:
        print(f"system area: {' '.join(area.summary) or 'present'}")
        for partition in area.partitions:
            print(f"  {partition_words(partition)}")
        for other in area.other:
            print(f"  {other}")
    if picture.report_error:
        print(f"  xorriso gave no boot report: {picture.report_error}")
    for problem in picture.problems:
        print(f"  problem: {problem}")
    return _report_damage(picture.problems)


def _boot_document(picture: BootPicture) -> dict[str, object] | None:
    """The catalog's keys (as before), plus xorriso's images and system area."""
    if not picture.bootable:
        return None
    doc: dict[str, object] = {}
    if picture.catalog is not None:
        doc = dataclasses.asdict(picture.catalog)
        for entry in doc["entries"]:  # type: ignore[union-attr]
            entry["id_string"] = entry["id_string"].hex()
    report = picture.report
    doc["boot_record"] = report.boot_record if report else None
    doc["images"] = [dataclasses.asdict(i) for i in report.images] if report else []
    area = report.system_area if report else None
    doc["system_area"] = dataclasses.asdict(area) if area else None
    doc["problems"] = picture.problems
    return doc
