"""The local folders the stage's browser remembers across runs: where it was last, and the
folders entries were last added from (offered as bookmarks).

A small JSON file in the XDG state dir. It is a convenience: a file that cannot be read
is ignored (the browser then starts at home), and one that cannot be written costs only
the memory. Paths with undecodable bytes survive as JSON's `\\udcXX` escapes.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from app.config import ensure_dir, state_dir

MAX_RECENT = 6
"""Folders kept as bookmarks; a bookmark list longer than a screen helps nobody."""


def memory_path() -> Path:
    return state_dir() / "local-folders.json"


@dataclass
class FolderMemory:
    last: str | None = None
    """The folder the browser showed last."""
    recent: list[str] = field(default_factory=list)
    """Folders entries were added from, newest first."""

    def visited(self, folder: str) -> None:
        self.last = folder

    def used(self, folder: str) -> None:
        self.recent = [folder, *(r for r in self.recent if r != folder)][:MAX_RECENT]


def _paths(value: object) -> list[str]:
    if not isinstance(value, list):
        return []
    return [p for p in value if isinstance(p, str) and p.startswith("/")][:MAX_RECENT]


def load_memory(path: Path | None = None) -> FolderMemory:
    """What was remembered; an empty memory when the file is missing or unreadable."""
    try:
        data = json.loads((path or memory_path()).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return FolderMemory()
    if not isinstance(data, dict):
        return FolderMemory()
    last = data.get("last")
    return FolderMemory(
        last if isinstance(last, str) and last.startswith("/") else None,
        _paths(data.get("recent")),
    )


def save_memory(memory: FolderMemory, path: Path | None = None) -> None:
    """Write atomically, mode 0600; OSError when the state dir cannot be written."""
    path = path or memory_path()
    ensure_dir(path.parent)
    text = json.dumps({"last": memory.last, "recent": memory.recent})  # ASCII: \udcXX kept
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(text)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
