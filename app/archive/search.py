"""A catalog search as the app shows it: the files `Catalog.find` gives (the service behind
`discdeck catalog find`) and, once per disc among them, its health."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.archive.catalog import Catalog, Found
from app.archive.health import DiscHealth, disc_health

LIMIT = 200
"""Rows shown at most: a longer pattern narrows it down."""


@dataclass
class Search:
    pattern: str
    found: list[Found] = field(default_factory=list)
    discs: dict[int, DiscHealth] = field(default_factory=dict)
    media: int = 0
    files: int = 0
    """What the catalog holds in all (counted when the pattern is empty)."""


def search(catalog: Catalog, pattern: str, months: float = 12.0) -> Search:
    done = Search(pattern)
    if not pattern:
        done.media, done.files = catalog.counts()
        return done
    done.found = catalog.find(pattern, limit=LIMIT)
    for medium in {f.medium_id for f in done.found}:
        disc = disc_health(catalog, medium, months, curves=False)  # the list needs no graph
        if disc is not None:
            done.discs[medium] = disc
    return done
