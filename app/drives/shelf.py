"""A shelf of virtual media: recorders made and removed by name, and written media kept.

"Insert a new blank" into a virtual recorder moves the medium it holds onto the shelf
(`recorders/shelf/NAME-DATE.iso`, with its nominal medium beside it) and leaves the
recorder blank, as swapping a disc in a real drive does; nothing written is ever deleted
by it. A shelved medium is listed and opens like any image; removing a recorder that holds
data shelves that data first.
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from app.config import ensure_dir, recorders_dir
from app.drives.virtual import (
    NOMINAL_MEDIA,
    VirtualRecorder,
    create_recorder,
    load_recorders,
    nominal_blocks,
)  # fmt: skip

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class ShelfError(ValueError):
    """One line naming what is wrong and what to do."""


@dataclass(frozen=True)
class ShelvedMedium:
    recorder: VirtualRecorder
    """The medium as a recorder of its own: the same nominal capacity, its own image."""
    shelved: str
    """When it went onto the shelf, "2026-11-30 14:05"."""


def shelf_dir() -> Path:
    return recorders_dir() / "shelf"


def medium_named(text: str) -> str:
    """The nominal medium `text` names, case and spacing aside ("bd 25 gb"), or a size of
    one's own ("100 MB", "1.5 GB")."""
    wanted = " ".join(text.split()).lower()
    for medium in NOMINAL_MEDIA:
        if medium.lower() == wanted:
            return medium
    custom = " ".join(wanted.upper().replace("MB", " MB").replace("GB", " GB").split())
    try:
        if nominal_blocks(custom) > 0:
            return custom
    except KeyError:
        pass
    raise ShelfError(
        f"unknown medium {text!r}: use one of {', '.join(NOMINAL_MEDIA)}, or a size like 100 MB"
    )


def add_recorder(name: str, medium: str) -> VirtualRecorder:
    if not _NAME.match(name):
        raise ShelfError(
            f"{name!r} cannot name a recorder: letters, digits, '.', '_' and '-', at most 64"
        )
    if any(r.name == name for r in load_recorders()):
        raise ShelfError(f"a recorder named {name} exists already: choose another name")
    return create_recorder(name, medium_named(medium))


def find_recorder(name: str) -> VirtualRecorder:
    found = next((r for r in load_recorders() if r.name == name), None)
    if found is None:
        names = ", ".join(r.name for r in load_recorders()) or "none yet"
        raise ShelfError(f"no recorder named {name} (there are: {names})")
    return found


def insert_blank(recorder: VirtualRecorder) -> ShelvedMedium | None:
    """Shelve the medium the recorder holds and leave it blank; None when it was blank."""
    image = Path(recorder.image)
    if not image.exists() or image.stat().st_size == 0:
        return None
    folder = ensure_dir(shelf_dir())
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = folder / f"{recorder.name}-{stamp}.iso"
    n = 1
    while target.exists():
        n += 1
        target = folder / f"{recorder.name}-{stamp}-{n}.iso"
    with open(target.with_suffix(".json"), "w", encoding="utf-8") as handle:
        json.dump({"medium": recorder.medium, "capacity_blocks": recorder.capacity_blocks,
                   "recorder": recorder.name, "shelved": time.strftime("%Y-%m-%d %H:%M")}, handle)  # fmt: skip
    os.replace(image, target)
    image.touch()
    return _shelved(VirtualRecorder(target.stem, str(target), recorder.medium, recorder.capacity_blocks))


def remove_recorder(name: str) -> ShelvedMedium | None:
    """Remove a recorder; the medium it holds (if any) goes onto the shelf first."""
    recorder = find_recorder(name)
    kept = insert_blank(recorder)
    Path(recorder.image).unlink(missing_ok=True)
    Path(recorder.image).with_suffix(".json").unlink(missing_ok=True)
    return kept


def shelved_media() -> list[ShelvedMedium]:
    return [_shelved(recorder) for recorder in load_recorders(shelf_dir())]


def _shelved(recorder: VirtualRecorder) -> ShelvedMedium:
    try:
        data = json.loads(Path(recorder.image).with_suffix(".json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    return ShelvedMedium(recorder, str(data.get("shelved", "")) if isinstance(data, dict) else "")
