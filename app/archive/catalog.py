"""The catalog: every medium discdeck burned, checked or imported, every file on it, and
every check of it over the years — one SQLite file in the data dir (WAL, a schema version).

It answers "which disc holds X?" without the disc: file paths are indexed with FTS5's
trigram tokenizer, so any part of a name is found among a million files in milliseconds.
A medium is known by a hash of its newest session's primary volume descriptor (volume id,
creation time, size): stable across drives and reads, different for every session burned.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from app.config import data_dir, ensure_dir

SCHEMA_VERSION = 2
SCHEMA = """
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
    slow INTEGER, unreadable INTEGER, speeds TEXT, speed_unit TEXT, total_blocks INTEGER
);
CREATE INDEX IF NOT EXISTS checks_medium ON checks(medium_id, at);
"""
MIGRATIONS: dict[int, tuple[str, ...]] = {
    2: (  # a check's curve says its unit ("xD") and how far the medium goes (the x axis)
        "ALTER TABLE checks ADD COLUMN speed_unit TEXT",
        "ALTER TABLE checks ADD COLUMN total_blocks INTEGER",
    ),
}
"""Statements that bring a catalog of version N-1 to N, keeping every row it holds."""


@dataclass(frozen=True)
class MediumFacts:
    """What identifies a medium, read from its newest session (see app.archive.identify)."""

    identity: str
    volume_id: str
    created: str
    blocks: int


@dataclass(frozen=True)
class Found:
    path: str
    size: int
    volume_id: str
    created: str
    """The disc's creation time (ISO 8601), as its volume descriptor says."""
    medium_id: int
    set_name: str | None
    disc: str
    """"3 of 7" for a set's disc, else ""."""
    last_checked: str | None
    last_result: str | None


def catalog_path() -> Path:
    return ensure_dir(data_dir()) / "catalog.sqlite"


def now() -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S")


class Catalog:
    def __init__(self, path: Path | None = None, *, timeout: float = 10) -> None:
        self.path = path or catalog_path()
        self.db = sqlite3.connect(self.path, timeout=timeout)
        try:
            self._open()
        except sqlite3.Error:
            self.db.close()
            raise

    def _open(self) -> None:
        """Made or brought up to date; a catalog already current is not written to."""
        self.db.execute("PRAGMA foreign_keys=ON")
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise sqlite3.DatabaseError(
                f"{self.path} is from a newer discdeck (schema {version}): update discdeck"
            )
        if version == SCHEMA_VERSION:
            return
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("BEGIN IMMEDIATE")
        try:
            # Again under the lock: another discdeck may have brought it up to date meanwhile.
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            for step in range(version + 1, SCHEMA_VERSION + 1) if version else ():
                for statement in MIGRATIONS.get(step, ()):
                    self.db.execute(statement)
            for statement in filter(str.strip, SCHEMA.split(";")):
                self.db.execute(statement)
            self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            self.db.execute("COMMIT")
        except sqlite3.Error:
            self.db.execute("ROLLBACK")
            raise

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self.db:  # one transaction: all of it or nothing
            yield self.db

    def medium_id(self, facts: MediumFacts, address: str = "") -> int:
        """The medium's row, made on first sight."""
        with self._write() as db:
            db.execute(
                "INSERT INTO media(identity, volume_id, created, blocks, first_seen, last_address) "
                "VALUES (?,?,?,?,?,?) ON CONFLICT(identity) DO UPDATE SET last_address=excluded.last_address",
                (facts.identity, facts.volume_id, facts.created, facts.blocks, now(), address),
            )
            return db.execute("SELECT id FROM media WHERE identity=?", (facts.identity,)).fetchone()[0]

    def set_files(self, medium: int, files: Iterable[tuple[str, int, str | None, str | None]]) -> int:
        """Replace the medium's file list with (path, size, mtime, sha256) rows; their count."""
        with self._write() as db:
            old = db.execute("SELECT id, path FROM files WHERE medium_id=?", (medium,)).fetchall()
            db.executemany(
                "INSERT INTO files_fts(files_fts, rowid, path) VALUES ('delete', ?, ?)", old
            )
            db.execute("DELETE FROM files WHERE medium_id=?", (medium,))
            count = 0
            for path, size, mtime, sha in files:
                cursor = db.execute(
                    "INSERT INTO files(medium_id, path, size, mtime, sha256) VALUES (?,?,?,?,?)",
                    (medium, path, size, mtime, sha),
                )
                db.execute(
                    "INSERT INTO files_fts(rowid, path) VALUES (?, ?)", (cursor.lastrowid, path)
                )
                count += 1
            return count

    def set_membership(self, medium: int, set_name: str, disc_no: int, discs: int) -> None:
        with self._write() as db:
            db.execute(
                "UPDATE media SET set_name=?, disc_no=?, discs=? WHERE id=?",
                (set_name, disc_no, discs, medium),
            )

    def record_check(
        self, medium: int, *, drive: str, kind: str, result: str, message: str,
        slow: int = 0, unreadable: int = 0, speeds: list[tuple[int, float]] | None = None,
        speed_unit: str | None = None, total_blocks: int | None = None,
    ) -> None:  # fmt: skip
        """One check of a medium: its verdict and the read speed over its sectors
        ((sector, speed) pairs, speed in `speed_unit`, e.g. "xD"; the medium ends at
        `total_blocks`)."""
        with self._write() as db:
            db.execute(
                "INSERT INTO checks(medium_id, at, drive, kind, result, message, slow, unreadable, "
                "speeds, speed_unit, total_blocks) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (medium, now(), drive, kind, result, message, slow, unreadable,
                 json.dumps(speeds or []), speed_unit, total_blocks),
            )  # fmt: skip

    def find(self, pattern: str, limit: int = 200) -> list[Found]:
        """Files whose path holds `pattern` (any part of it), or matches it as a glob (*, ?)."""
        if any(c in pattern for c in "*?["):
            where, args = "f.path GLOB ?", [pattern if pattern.startswith(("/", "*")) else f"*{pattern}"]
            source = "files f"
        elif len(pattern) >= 3:
            where, args = "files_fts MATCH ?", ['"' + pattern.replace('"', '""') + '"']
            source = "files_fts JOIN files f ON f.id = files_fts.rowid"
        else:
            where, args = "instr(f.path, ?) > 0", [pattern]
            source = "files f"
        rows = self.db.execute(
            f"SELECT f.path, f.size, m.volume_id, m.created, m.id, m.set_name, m.disc_no, m.discs, "
            f"(SELECT max(at) FROM checks c WHERE c.medium_id=m.id), "
            f"(SELECT result FROM checks c WHERE c.medium_id=m.id ORDER BY at DESC LIMIT 1) "
            f"FROM {source} JOIN media m ON m.id = f.medium_id WHERE {where} LIMIT ?",
            [*args, limit],
        ).fetchall()
        return [
            Found(path, size or 0, volid or "", created or "", medium, set_name,
                  f"{no} of {n}" if no else "", last, result)
            for path, size, volid, created, medium, set_name, no, n, last, result in rows
        ]  # fmt: skip

    def counts(self) -> tuple[int, int]:
        """(media, files) catalogued."""
        return self.db.execute("SELECT (SELECT count(*) FROM media), (SELECT count(*) FROM files)").fetchone()

    def media(self, only: int | None = None) -> list[dict]:
        """Every medium (or the one whose id is `only`) with its last check, for health and export."""
        with closing(self.db.execute(
            "SELECT m.id, m.volume_id, m.created, m.set_name, m.disc_no, m.discs, m.first_seen, "
            "(SELECT count(*) FROM files f WHERE f.medium_id=m.id), "
            "(SELECT max(at) FROM checks c WHERE c.medium_id=m.id) FROM media m "
            "WHERE ? IS NULL OR m.id = ? ORDER BY m.id", (only, only),
        )) as cursor:  # fmt: skip
            keys = ("id", "volume_id", "created", "set", "disc_no", "discs", "first_seen", "files", "last_checked")
            return [dict(zip(keys, row, strict=True)) for row in cursor]

    def checks(self, medium: int, *, curves: bool = True) -> list[dict]:
        """The medium's checks, oldest first. Without `curves`, only the first and the last
        keep their speeds (what a verdict compares): a list of many discs reads faster."""
        with closing(self.db.execute(
            "SELECT at, drive, kind, result, message, slow, unreadable, speeds, speed_unit, "
            "total_blocks FROM checks WHERE medium_id=? ORDER BY at, id", (medium,),
        )) as cursor:  # fmt: skip
            keys = ("at", "drive", "kind", "result", "message", "slow", "unreadable", "speeds",
                    "speed_unit", "total_blocks")  # fmt: skip
            rows = [dict(zip(keys, row, strict=True)) for row in cursor]
        for n, row in enumerate(rows):
            keep = curves or n in (0, len(rows) - 1)
            row["speeds"] = json.loads(row["speeds"] or "[]") if keep else []
        return rows
