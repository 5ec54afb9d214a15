"""Putting media into the catalog: identify a medium by its newest session, list its files,
and note every check of it. Used by the finish step after each job, and by
`discdeck catalog import`."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from app.archive.catalog import Catalog, MediumFacts
from app.engine.models import SECTOR, MediumReport
from app.engine.progress import Progress
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


@dataclass(frozen=True)
class Curve:
    """The read speed across a medium, as one check measured it: the transfer-rate graph."""

    points: list[tuple[int, float]]
    """(sector, speed) pairs: the position reached and the speed there, in `unit`."""
    unit: str | None
    """xorriso's speed unit ("xD", "xC", "xB"); None when no speed was printed."""
    total: int | None
    """Blocks the check went over, where the graph's x axis ends."""


def speed_curve(samples: Sequence[Progress], points: int = 200) -> Curve:
    """A check's progress events as a curve thinned to at most `points`. A surface scan
    and a read (to an image) say the block they reached; a checkread, the data read so far (its position in the
    files' data). xorriso's last line (" = ") is the average of the run, not a speed at a
    place: it is kept only when it is all there is."""
    reads = [p for p in samples if p.phase in ("verifying", "reading") and p.speed is not None]
    placed = [(p, _position(p)) for p in reads]
    placed = [(p, at) for p, at in placed if at is not None]
    spot = [(p, at) for p, at in placed if not _AVERAGE.search(p.line)] or placed
    pairs = [(at, float(p.speed or 0.0)) for p, at in spot]
    step = max(1, -(-len(pairs) // points))
    units = Counter(p.speed_unit for p, _ in spot if p.speed_unit)
    totals = [p.total_sectors for p in reads if p.total_sectors]
    return Curve(pairs[::step], units.most_common(1)[0][0] if units else None, max(totals, default=None))


_AVERAGE = re.compile(r"\bread in [\d.]+ s(?:econds)?\s*=")


def _position(event: Progress) -> int | None:
    if event.sectors is not None:
        return event.sectors
    return event.bytes_done // SECTOR if event.bytes_done is not None else None
