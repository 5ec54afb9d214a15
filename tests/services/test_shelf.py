"""The shelf of virtual media: recorders by name, new blanks that keep what was written."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.drives.listing import gather_drives
from app.drives.shelf import (
    ShelfError,
    add_recorder,
    find_recorder,
    insert_blank,
    medium_named,
    remove_recorder,
    shelved_media,
)  # fmt: skip
from app.drives.virtual import NOMINAL_MEDIA, load_recorders, recorder_for
from tests.conftest import make_image, needs_xorriso


def test_every_nominal_medium_by_any_spelling() -> None:
    for medium in NOMINAL_MEDIA:
        assert medium_named(f"  {medium.lower()} ") == medium
    with pytest.raises(ShelfError, match="unknown medium"):
        medium_named("floppy")


def test_add_names_and_refusals() -> None:
    recorder = add_recorder("bd-1", "BD 25 GB")
    assert recorder.capacity_blocks == NOMINAL_MEDIA["BD 25 GB"]
    assert Path(recorder.image).stat().st_size == 0
    for bad in ("", "../x", "a/b", "-dash", "x" * 65, "sp ace"):
        with pytest.raises(ShelfError):
            add_recorder(bad, "BD 25 GB")
    with pytest.raises(ShelfError, match="exists already"):
        add_recorder("bd-1", "CD 700 MB")
    with pytest.raises(ShelfError, match="no recorder named"):
        find_recorder("nope")


@needs_xorriso
def test_a_new_blank_shelves_the_medium_and_nothing_is_lost(tmp_path: Path) -> None:
    recorder = add_recorder("cd-1", "CD 700 MB")
    make_image(Path(recorder.image), ["FIRST"])
    written = Path(recorder.image).read_bytes()
    assert insert_blank(recorder) is not None
    assert Path(recorder.image).stat().st_size == 0
    (shelved,) = shelved_media()
    assert Path(shelved.recorder.image).read_bytes() == written
    assert shelved.recorder.medium == "CD 700 MB" and shelved.shelved
    assert recorder_for(shelved.recorder.address).capacity_blocks == NOMINAL_MEDIA["CD 700 MB"]
    assert insert_blank(recorder) is None, "a blank recorder has nothing to shelve"
    entries = {e.address: e for e in gather_drives(optical=False)}
    assert entries[shelved.recorder.address].detail.startswith("on the shelf")
    make_image(Path(recorder.image), ["SECOND"])
    kept = remove_recorder("cd-1")
    assert kept is not None and len(shelved_media()) == 2
    assert all(r.name != "cd-1" for r in load_recorders())
