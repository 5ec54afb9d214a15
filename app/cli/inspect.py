"""Headless twins of the session browser and the boot panel: `discdeck ls` and `boot`."""

from __future__ import annotations

import dataclasses
import json

from app.engine.inspect import read_medium
from app.iso.eltorito import read_boot_catalog
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
    }


def ls(address: str, path: str, session: int | None, *, as_json: bool) -> int:
    with open_session(address, session_start(address, session)) as view:
        target = view.stat(path)
        entries = view.list(target) if target.is_dir else [target]
        rows = [_row(e) for e in sorted(entries, key=lambda e: e.name)]
    if as_json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        for row in rows:
            mark = "/" if row["type"] == "dir" else ""
            print(
                f"{row['size']:>14,}  {row['start_sector'] or 0:>10}  {display(str(row['name']))}{mark}"
            )
    return 0


def boot(address: str, *, as_json: bool) -> int:
    catalog = read_boot_catalog(address)
    if as_json:
        doc = None if catalog is None else dataclasses.asdict(catalog)
        if doc is not None:
            for entry in doc["entries"]:
                entry["id_string"] = entry["id_string"].hex()
        print(json.dumps(doc, indent=2))
        return 0
    if catalog is None:
        print("not bootable: no El Torito boot record")
        return 0
    print(
        f"catalog at sector {catalog.catalog_sector}, validation platform {catalog.validation_platform}"
    )
    for e in catalog.entries:
        print(
            f"  section {e.section}: {e.platform}, {'bootable' if e.bootable else 'not bootable'}, "
            f"{e.media_type_name}, load segment 0x{e.load_segment:04x}, system type 0x{e.system_type:02x}, "
            f"{e.sector_count} sectors at {e.load_rba}"
        )
    return 0
