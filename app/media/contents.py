"""What an appendable medium already holds, for the stage: its newest session's tree, read
lazily (one folder at a time), and which staged paths it already has.

A new session is built on the loaded tree of the newest session (`-dev` loads it), so this
is exactly the tree the next session starts from.
"""

from __future__ import annotations

import errno
from collections.abc import Sequence
from dataclasses import dataclass

from app.engine.errors import EngineError
from app.engine.models import MediumReport
from app.iso.view import IsoView, open_session


@dataclass(frozen=True)
class DiscItem:
    """One entry of a folder of the medium, as the stage shows it."""

    name: str
    path: str
    is_dir: bool
    size: int


def newest_session_start(report: MediumReport) -> int | None:
    """Where the newest ISO 9660 session starts; None when the medium holds none."""
    sessions = [s for s in report.toc.sessions if s.kind == "ISO"]
    return sessions[-1].start if sessions else None


def open_contents(address: str, report: MediumReport) -> IsoView | None:
    """The tree the next session appends to, or None (blank, closed, no ISO session).
    OSError or EngineError when the medium cannot be read."""
    start = newest_session_start(report)
    if report.toc.media.status != "appendable" or start is None:
        return None
    return open_session(address, start if len(report.toc.sessions) > 1 else None)


def list_folder(view: IsoView, path: str) -> list[DiscItem]:
    """The entries of one folder of the medium ([] when it is not a folder there)."""
    try:
        entries = view.list(path)
    except (OSError, EngineError) as exc:
        if isinstance(exc, OSError) and exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return []
        raise
    base = path.rstrip("/")
    return [
        DiscItem(e.name, f"{base}/{e.name}", e.is_dir, 0 if e.is_dir else e.size)
        for e in entries
    ]


def already_there(view: IsoView, paths: Sequence[str]) -> list[str]:
    """The paths the medium already holds (a staged file there replaces it, a staged folder
    merges into it: files of the same name are replaced)."""
    return [path for path in paths if view.exists(path)]


class DiscFolders:
    """The medium's folders read so far, for the stage: each is read once, when first
    wanted, in whatever thread asks (the view serialises its reads)."""

    def __init__(self, address: str, report: MediumReport) -> None:
        self.address = address
        self.report = report
        self.folders: dict[str, list[DiscItem]] = {}
        self._pending: set[str] = set()
        self._view: IsoView | None = None

    def want(self, path: str) -> bool:
        """True when `path` is neither read nor being read: the caller reads it now."""
        if path in self.folders or path in self._pending:
            return False
        self._pending.add(path)
        return True

    def read(self, path: str) -> None:
        """Read one folder (OSError or EngineError when the medium cannot be read)."""
        try:
            if self._view is None:
                self._view = open_contents(self.address, self.report)
            self.folders[path] = list_folder(self._view, path) if self._view else []
        finally:
            self._pending.discard(path)

    def close(self) -> None:
        if self._view is not None:
            self._view.close()
            self._view = None
