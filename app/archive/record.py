"""Putting media into the catalog: identify a medium by its newest session, list its files,
and note every check of it. Used by the finish step after each job, and by
`discdeck catalog import`."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from app.archive.catalog import Catalog, MediumFacts
from app.engine.models import MediumReport
from app.iso.records import decode_date17
from app.iso.view import IsoView, open_session
from app.media.contents import newest_session_start
from app.stage.names import display


def open_newest(address: str, report: MediumReport) -> IsoView | None:
    """The newest ISO 9660 session of the medium, or None when it holds none."""
    start = newest_session_start(report)
    if start is None:
        return None
    return open_session(address, start if len(report.toc.sessions) > 1 else None)


def medium_facts(view: IsoView) -> MediumFacts:
    """The newest session's primary volume descriptor, hashed: volume id, creation time
    and size make it unique per session burned, and the same from any drive."""
    primary = view.primary
    created = decode_date17(primary.data[813:830])
    return MediumFacts(
        identity=hashlib.sha256(primary.data).hexdigest()[:32],
        volume_id=primary.volume_id(),
        created=created.isoformat(timespec="seconds") if created else "",
        blocks=primary.volume_blocks(),
    )


def catalog_medium(catalog: Catalog, address: str, report: MediumReport) -> tuple[int, int] | None:
    """Read the medium's whole tree into the catalog: (medium id, files), or None (no ISO)."""
    view = open_newest(address, report)
    if view is None:
        return None
    with view:
        medium = catalog.medium_id(medium_facts(view), address)
        files = (
            # display(): names that are not UTF-8 are kept as \xff escapes (SQLite holds text)
            (display(entry.iso_path), entry.size, entry.mtime.isoformat() if entry.mtime else None, None)
            for entry in view.walk("/")
            if not entry.is_dir
        )
        return medium, catalog.set_files(medium, files)


def known_medium(catalog: Catalog, address: str, report: MediumReport) -> int | None:
    """The medium's catalog row (made if new, without listing its files), or None."""
    view = open_newest(address, report)
    if view is None:
        return None
    with view:
        return catalog.medium_id(medium_facts(view), address)


def speed_curve(samples: Sequence[tuple[int | None, float | None]], points: int = 200) -> list[tuple[int, float]]:
    """(sector, speed) pairs thinned to at most `points`, for the transfer-rate graph."""
    pairs = [(int(s), float(v)) for s, v in samples if s is not None and v is not None]
    step = max(1, len(pairs) // points)
    return pairs[::step]
