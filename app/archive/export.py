"""The catalog as a file: CSV (one row per file, for a spreadsheet) or JSON (the media and
their files, for scripts). The CLI writes it to stdout, the app to a file the user chose."""

from __future__ import annotations

import csv
import json
import os
import secrets
from pathlib import Path
from typing import TextIO

from app.archive.catalog import Catalog

FORMATS = ("csv", "json")
CSV_COLUMNS = ("volume_id", "set", "disc", "path", "size", "mtime")


def export_files(catalog: Catalog) -> list[dict]:
    """Every catalogued file with the disc that holds it."""
    rows = catalog.db.execute(
        "SELECT m.volume_id, m.set_name, m.disc_no, f.path, f.size, f.mtime FROM files f "
        "JOIN media m ON m.id = f.medium_id ORDER BY m.id, f.path"
    ).fetchall()
    return [dict(zip(CSV_COLUMNS, row, strict=True)) for row in rows]


def write_export(catalog: Catalog, out: TextIO, form: str) -> None:
    if form == "json":
        json.dump({"media": catalog.media(), "files": export_files(catalog)}, out, indent=2)
        out.write("\n")
        return
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in export_files(catalog):
        writer.writerow(["" if row[key] is None else row[key] for key in CSV_COLUMNS])


def format_of(path: str | os.PathLike[str]) -> str | None:
    """"csv" or "json" from the file's name, None when it says neither."""
    suffix = Path(path).suffix.lower().lstrip(".")
    return suffix if suffix in FORMATS else None


def export_to(catalog: Catalog, path: Path, *, replace: bool = False) -> int:
    """Write the catalog to `path` (its format from its name): whole or not at all, and an
    existing file only when `replace` says the user agreed. The number of files exported."""
    form = format_of(path)
    if form is None:
        raise ValueError(f"{path.name}: name the file .csv or .json")
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
    try:
        with open(temp, "x", encoding="utf-8", newline="", errors="surrogateescape") as out:
            write_export(catalog, out, form)
        if replace:
            os.replace(temp, path)
        else:
            os.link(temp, path)  # fails if the file appeared meanwhile: never overwritten unasked
    finally:
        temp.unlink(missing_ok=True)
    return catalog.db.execute("SELECT count(*) FROM files").fetchone()[0]
