"""The catalog on real burns: which disc holds a file, its health over checks, export."""

from __future__ import annotations

import csv
import io
import os
import sqlite3
from pathlib import Path

import pytest

from app.archive.catalog import SCHEMA_VERSION, Catalog
from app.archive.health import copy_now, health
from app.engine.commands import BurnOptions, MapEntry
from app.jobs.finish import run_plan
from app.jobs.plans import Target, burn_plan, surface_plan
from tests.conftest import needs_xorriso

pytestmark = needs_xorriso


def _burn(tmp_path: Path, name: str, files: dict[str, bytes]) -> str:
    source = tmp_path / f"src-{name}"
    source.mkdir()
    for file, data in files.items():
        (source / os.fsdecode(file)).write_bytes(data) if isinstance(file, bytes) else (source / file).write_bytes(data)
    address = f"stdio:{tmp_path / f'{name}.iso'}"
    done = run_plan(burn_plan(Target(address), [MapEntry(str(source), "/")], BurnOptions(volume_id=name)))
    assert done.ok, done.results
    assert done.catalog_note and "catalogued" in done.catalog_note
    return address


def test_which_disc_holds_it(tmp_path: Path) -> None:
    _burn(tmp_path, "PHOTOS_2019", {"beach.jpg": b"j" * 5000, "notes.txt": b"n"})
    _burn(tmp_path, "TAXES_2020", {"receipt-beach-hotel.pdf": b"p" * 100, b"caf\xe9.txt": b"x"})
    with Catalog() as catalog:
        found = {(f.path, f.volume_id) for f in catalog.find("beach")}
        assert found == {("/beach.jpg", "PHOTOS_2019"), ("/receipt-beach-hotel.pdf", "TAXES_2020")}
        assert [f.path for f in catalog.find("*.pdf")] == ["/receipt-beach-hotel.pdf"]
        assert [f.volume_id for f in catalog.find("no")] == ["PHOTOS_2019"]  # 2 letters: no trigram
        assert [f.path for f in catalog.find("caf")] == ["/caf\\xe9.txt"]
        assert catalog.find("nowhere") == []
        (beach,) = catalog.find("beach.jpg")
        assert beach.size == 5000 and beach.last_result == "ok"  # the burn's checkread


def test_the_same_disc_burned_again_is_a_new_medium_but_a_reread_is_not(tmp_path: Path) -> None:
    address = _burn(tmp_path, "DISC", {"a.txt": b"a"})
    from app.archive.record import catalog_medium
    from app.engine.inspect import read_medium

    with Catalog() as catalog:
        first = len(catalog.media())
        catalog_medium(catalog, address, read_medium(address))
        assert len(catalog.media()) == first, "read again: the same medium"


def test_health_over_checks_and_a_disc_to_copy_now(tmp_path: Path) -> None:
    address = _burn(tmp_path, "ARCHIVE_1", {"a.bin": os.urandom(200_000)})
    scan = run_plan(surface_plan(Target(address)))
    assert scan.ok and scan.catalog_note
    with Catalog() as catalog:
        (row,) = [h for h in health(catalog) if h.medium["volume_id"] == "ARCHIVE_1"]
        assert row.verdict == "ok" and row.checks == 2
        checks = catalog.checks(row.medium["id"])
        assert checks[-1]["kind"] == "surface" and checks[-1]["speeds"]
        catalog.record_check(row.medium["id"], drive=address, kind="surface", result="ok",
                             message="", slow=0, unreadable=12)  # fmt: skip
        (row,) = [h for h in health(catalog) if h.medium["volume_id"] == "ARCHIVE_1"]
        assert row.verdict.startswith("copy this disc now: 12 unreadable")
    assert copy_now([]) is None


def test_export_csv_and_a_catalog_from_a_newer_discdeck(tmp_path: Path) -> None:
    from tests.cli.test_cli import discdeck

    _burn(tmp_path, "EXPORT_ME", {"x.txt": b"x"})
    out = discdeck("catalog", "export")
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert {"volume_id": "EXPORT_ME", "path": "/x.txt"}.items() <= rows[0].items()
    found = discdeck("catalog", "find", "x.txt", "--json")
    assert found.returncode == 0 and "EXPORT_ME" in found.stdout
    assert discdeck("catalog", "find", "absent-name").returncode == 1
    with Catalog() as catalog:
        path = catalog.path
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    with pytest.raises(sqlite3.DatabaseError, match="newer discdeck"):
        Catalog(path)
