"""Before a medium is read to an image: the target is new, or the same disc's partial read.

A read that is run again continues from the sector map beside the image; that map must
belong to this disc (its identity is kept in `IMAGE.sectors.json`), and two reads must
never write one image at once (a lock held while the read runs).
"""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import asdict, dataclass

from app.engine.errors import EngineError
from app.engine.models import SECTOR, MediumReport
from app.engine.rescue import new_read_map
from app.media.view import size_text


@dataclass(frozen=True)
class DiscIdentity:
    """Enough to tell one disc from another without reading it whole."""

    volume_id: str
    sessions: list[list[int]]
    readable_blocks: int

    @classmethod
    def of(cls, report: MediumReport) -> DiscIdentity:
        sessions = [[s.start, s.blocks] for s in report.toc.sessions]
        volid = report.toc.sessions[0].volume_id if report.toc.sessions else ""
        return cls(volid, sessions, report.toc.media.readable_blocks or 0)


def identity_path(image: str) -> str:
    return new_read_map(image) + ".json"


def check_read_target(image: str, report: MediumReport) -> list[str]:
    """Problems in words; [] when the read may start (fresh, or continuing this disc's)."""
    media = report.toc.media
    if media.status in ("blank", "absent"):
        return [f"there is nothing to read: the medium is {media.status}"]
    image = os.path.abspath(image)
    folder = os.path.dirname(image)
    if not os.path.isdir(folder):
        return [f"folder {folder} does not exist: create it or choose another"]
    sector_map, identity = new_read_map(image), identity_path(image)
    if os.path.exists(image) and not os.path.exists(sector_map):
        return [f"{image} exists and is not a read of discdeck's: choose another name"]
    if os.path.exists(sector_map) and not os.path.exists(image):
        return [f"{sector_map} exists but {image} does not: remove the map to read from scratch"]
    if os.path.exists(identity):
        kept = _load(identity)
        if kept != DiscIdentity.of(report):
            volid = kept.volume_id if kept else "?"
            return [
                f"{sector_map} belongs to another disc ({volid!r}): choose another image name "
                "for this one"
            ]
    need = (media.readable_blocks or 0) * SECTOR - (os.path.getsize(image) if os.path.exists(image) else 0)
    free = _free_bytes(folder)
    if free is not None and need > free:
        return [
            f"the disk of {folder} has {size_text(free // SECTOR)} free and the medium needs "
            f"{size_text(need // SECTOR)} more: free some space or choose another folder"
        ]
    return []


def remember_identity(image: str, report: MediumReport) -> None:
    path = identity_path(image)
    if not os.path.exists(path):
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(asdict(DiscIdentity.of(report)), handle)


def _load(path: str) -> DiscIdentity | None:
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        return DiscIdentity(str(data["volume_id"]), list(data["sessions"]), int(data["readable_blocks"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _free_bytes(folder: str) -> int | None:
    try:
        info = os.statvfs(folder)
    except OSError:
        return None
    return info.f_bavail * info.f_frsize


class ReadLock:
    """Held while a read writes `image` (a lock on its identity file, which outlives it, so
    no second lock file can race): a second read of the same image is refused."""

    def __init__(self, image: str) -> None:
        self.path = identity_path(image)
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self.fd)
            raise EngineError(
                f"{image} is being read into by another discdeck: wait for it or choose another name"
            ) from None

    def release(self) -> None:
        os.close(self.fd)
