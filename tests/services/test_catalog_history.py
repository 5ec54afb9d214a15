"""A disc's health history: the read-speed curve each check records, the graph drawn from
them, and a catalog written by an older discdeck (schema 1) brought up to date."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from app.archive.catalog import SCHEMA_VERSION, Catalog, catalog_path
from app.archive.curves import LINES, speed_graph
from app.archive.health import disc_health
from app.archive.record import speed_curve
from app.engine.progress import ProgressTracker
from tests.cli.test_cli import discdeck

SCHEMA_1 = """
CREATE TABLE IF NOT EXISTS media (
    id INTEGER PRIMARY KEY, identity TEXT UNIQUE NOT NULL, volume_id TEXT, created TEXT,
    blocks INTEGER, set_name TEXT, disc_no INTEGER, discs INTEGER,
    first_seen TEXT NOT NULL, last_address TEXT
);
CREATE TABLE IF NOT EXISTS files (
    id INTEGER PRIMARY KEY, medium_id INTEGER NOT NULL REFERENCES media(id) ON DELETE CASCADE,
    path TEXT NOT NULL, size INTEGER, mtime TEXT, sha256 TEXT
);
CREATE INDEX IF NOT EXISTS files_medium ON files(medium_id);
CREATE VIRTUAL TABLE IF NOT EXISTS files_fts USING fts5(
    path, content='files', content_rowid='id', tokenize='trigram'
);
CREATE TABLE IF NOT EXISTS checks (
    id INTEGER PRIMARY KEY, medium_id INTEGER NOT NULL REFERENCES media(id) ON DELETE CASCADE,
    at TEXT NOT NULL, drive TEXT, kind TEXT, result TEXT, message TEXT,
    slow INTEGER, unreadable INTEGER, speeds TEXT
);
CREATE INDEX IF NOT EXISTS checks_medium ON checks(medium_id, at);
"""
"""The catalog as discdeck wrote it before schema 2 (app/archive/catalog.py at 9fe40c1)."""


def old_catalog(path: Path) -> None:
    """A schema-1 catalog: one disc, two files, two scans whose speed fell from 4x to 2x."""
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(SCHEMA_1)
    db.execute(
        "INSERT INTO media VALUES (1, 'abc', 'OLD_DISC', '2019-05-01T10:00:00', 1000, "
        "'FAMILY', 2, 3, '2019-05-01 10:00:00', 'stdio:/old.iso')"
    )
    for rowid, path_ in ((1, "/letters/mum.txt"), (2, "/photos/beach.jpg")):
        db.execute("INSERT INTO files VALUES (?, 1, ?, 10, NULL, NULL)", (rowid, path_))
        db.execute("INSERT INTO files_fts(rowid, path) VALUES (?, ?)", (rowid, path_))
    for at, speed in (("2020-01-01 09:00:00", 4.0), ("2026-01-01 09:00:00", 2.0)):
        speeds = json.dumps([[100 * n, speed] for n in range(1, 10)])
        db.execute(
            "INSERT INTO checks(medium_id, at, drive, kind, result, message, slow, unreadable, speeds) "
            "VALUES (1, ?, '/dev/sr0', 'surface', 'ok', '', 0, 0, ?)", (at, speeds),
        )  # fmt: skip
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()


def test_a_schema_1_catalog_is_migrated_and_keeps_every_row() -> None:
    path = catalog_path()
    old_catalog(path)
    health = discdeck("catalog", "health")  # the first open migrates it
    assert health.returncode == 1, health.stderr
    assert health.stdout == f"{'OLD_DISC':<32}   2 check(s)  copy this disc now: it reads at 2.0x where it read 4.0x\n"
    with Catalog() as catalog:
        assert catalog.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
        assert [f.path for f in catalog.find("beach")] == ["/photos/beach.jpg"]
        (found,) = catalog.find("mum")
        assert (found.volume_id, found.created, found.set_name, found.disc) == (
            "OLD_DISC", "2019-05-01T10:00:00", "FAMILY", "2 of 3",
        )  # fmt: skip
        disc = disc_health(catalog, 1)
        assert disc is not None and len(disc.checks) == 2
        assert disc.checks[0]["speeds"][0] == [100, 4.0] and disc.checks[0]["speed_unit"] is None
        graph = speed_graph(disc.checks, disc.medium["blocks"])
        assert graph.y_label == "read speed (x)" and len(graph.series) == 2
    again = discdeck("catalog", "health")
    assert (again.returncode, again.stdout) == (health.returncode, health.stdout), "health unaffected"


def test_a_migration_that_cannot_run_changes_nothing() -> None:
    path = catalog_path()
    old_catalog(path)
    holder = sqlite3.connect(path)
    holder.execute("BEGIN IMMEDIATE")  # another discdeck writing: the migration must wait
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        Catalog(timeout=0.2)
    holder.rollback()
    holder.close()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == 1
    assert db.execute("SELECT count(*) FROM checks").fetchone()[0] == 2
    db.close()


RECORDED_SCAN = """\
xorriso : UPDATE : 6816 of 73472 blocks read in 0.3 s , 35.8xD
xorriso : UPDATE : 14080 of 73472 blocks read in 0.5 s , 52.9xD
xorriso : UPDATE : 27744 of 73472 blocks read in 0.7 s , 98.8xD
xorriso : UPDATE : 36128 of 73472 blocks read in 0.9 s , 61.7xD
xorriso : UPDATE : 73472 of 73472 blocks read in 1.8 s = 60.0xD
"""
"""A surface scan of a 150 MB image with `-pacifier interval=0.2` (xorriso 1.5.4)."""
RECORDED_CHECKREAD = """\
xorriso : UPDATE :  103.7m content bytes read in 35 seconds , 4.1xD
xorriso : UPDATE : 2882.2m content bytes read in 65 seconds , 3.9xD
xorriso : UPDATE : 3000.0m content bytes read in 70 seconds = 3.8xD
"""


def events(text: str) -> list:
    tracker = ProgressTracker(started=0.0)
    return [e for n, line in enumerate(text.splitlines()) if (e := tracker.feed(line, float(n)))]


def test_a_scan_and_a_checkread_record_the_speed_where_they_read() -> None:
    scan = speed_curve(events(RECORDED_SCAN))
    assert scan.points == [(6816, 35.8), (14080, 52.9), (27744, 98.8), (36128, 61.7)]
    assert (scan.unit, scan.total) == ("xD", 73472), "the average of the run is not a place"
    check = speed_curve(events(RECORDED_CHECKREAD))
    assert check.points == [(round(103.7 * 1024**2) // 2048, 4.1), (round(2882.2 * 1024**2) // 2048, 3.9)]
    alone = speed_curve(events(RECORDED_SCAN.splitlines()[-1]))
    assert alone.points == [(73472, 60.0)], "a run shorter than one line keeps its average"
    assert speed_curve(events("xorriso : UPDATE : 5 of 9 blocks read in 1 s")).points == []
    thinned = speed_curve(events("\n".join(f"{n} of 999 blocks read in {n} s , 2.0xC" for n in range(1, 999))))
    assert len(thinned.points) <= 200 and thinned.unit == "xC"


def test_the_graph_spans_the_medium_and_draws_the_first_and_latest_checks() -> None:
    checks = [
        {"at": f"2026-0{m}-01 10:00:00", "kind": "surface", "speeds": [[1000, 8.0], [2_000_000, 6.0]],
         "speed_unit": "xD", "total_blocks": 2_294_912}
        for m in range(1, 8)
    ]  # fmt: skip
    graph = speed_graph(checks, 2_294_912)
    assert len(graph.series) == LINES
    assert [s.label for s in graph.series] == ["2026-01-01", "2026-05-01", "2026-06-01", "2026-07-01"]
    assert graph.x_label == "position on the medium (GB)" and graph.x_max == pytest.approx(4.7, abs=0.01)
    assert graph.y_label == "read speed (x DVD)" and graph.y_max == 8.0
    mixed = speed_graph([checks[0], {**checks[1], "speed_unit": "xB"}, {**checks[2], "speed_unit": None}])
    assert mixed.y_label == "read speed (MB/s)" and len(mixed.series) == 2
    assert mixed.series[1].ys[0] == pytest.approx(8.0 * 4.495625)
    same_day = speed_graph([checks[0], {**checks[0], "at": "2026-01-01 18:30:00"}])
    assert [s.label for s in same_day.series] == ["01-01 10:00", "01-01 18:30"]
    assert speed_graph([{**checks[0], "speeds": []}]).series == []


def test_two_discdecks_opening_an_old_catalog_at_once_migrate_it_once() -> None:
    old_catalog(catalog_path())

    class Racing(sqlite3.Connection):
        """Another discdeck migrates the catalog right after this one read its version 1."""

        raced = False

        def execute(self, sql: str, *args):  # type: ignore[override]
            cursor = super().execute(sql, *args)
            if sql == "PRAGMA user_version" and not Racing.raced:
                Racing.raced = True
                version = cursor.fetchone()
                Catalog().close()  # the other one: migrates it now
                return super().execute("SELECT ?", version)  # what this one had read
            return cursor

    second = Catalog.__new__(Catalog)
    second.path = catalog_path()
    second.db = sqlite3.connect(second.path, factory=Racing)
    second._open()  # read 1, found 2 under the lock: no "duplicate column" error
    assert Racing.raced
    assert second.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert len(second.checks(1)) == 2
    second.close()
