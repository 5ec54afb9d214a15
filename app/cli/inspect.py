"""Headless twins of the session browser and the boot panel: `discdeck ls` and `boot`."""

from __future__ import annotations

import dataclasses
import json
import sys

from app.engine.inspect import read_medium
from app.iso.eltorito import INDICATORS, BootEntry, read_boot_catalog
from app.iso.view import Entry, open_session
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


def ls(address: str, path: str, session: int | None, *, as_json: bool) -> int:
    """List a folder (or one file); damage found on the way exits 1 with a one-line reason
    after what could be read is printed."""
    with open_session(address, session_start(address, session)) as view:
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
    """The El Torito catalog; anything outside the specification exits 1, naming it."""
    catalog = read_boot_catalog(address)
    if as_json:
        doc = None if catalog is None else dataclasses.asdict(catalog)
        if doc is not None:
            for entry in doc["entries"]:
                entry["id_string"] = entry["id_string"].hex()
        print(json.dumps(doc, indent=2))
        return _report_damage(catalog.problems if catalog else [])
    if catalog is None:
        print("not bootable: no El Torito boot record")
        return 0
    print(
        f"catalog at sector {catalog.catalog_sector}, validation platform {catalog.validation_platform}"
    )
    for e in catalog.entries:
        print(
            f"  section {e.section}: {e.platform}, {bootable_word(e)}, "
            f"{e.media_type_name}, load segment 0x{e.load_segment:04x}, system type 0x{e.system_type:02x}, "
            f"{e.sector_count} sectors at {e.load_rba}"
        )
    for problem in catalog.problems:
        print(f"  problem: {problem}")
    return _report_damage(catalog.problems)
