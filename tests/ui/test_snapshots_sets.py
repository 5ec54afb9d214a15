"""SVG snapshots of the disc-set screens at 80x24: a set's plan, and the saved sets (one
resumable). Files of fixed sizes and a pinned data dir, so every figure is the same each run.
`--snapshot-update` re-records them; scripts/update-screenshots.sh copies them to screenshots/."""

from __future__ import annotations

import fcntl
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.archive.sets import DiscSet, plan_set, save_set
from app.drives.virtual import create_recorder
from app.tui.app import DiscdeckApp
from app.tui.screens.set_plan_screen import SetPlanScreen
from tests.ui.pilot import settle

PINNED = Path("/tmp/discdeck-snapshots-sets")
MB = 1_000_000


@pytest.fixture
def pinned_data(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A 10 MB recorder, and folders of fixed sizes in a fixed place (locked: shared)."""
    with open("/tmp/discdeck-snapshots-sets.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        shutil.rmtree(PINNED, ignore_errors=True)
        for var, sub in (("XDG_DATA_HOME", "data"), ("XDG_STATE_HOME", "state"), ("XDG_CONFIG_HOME", "config")):
            (PINNED / sub).mkdir(parents=True)
            monkeypatch.setenv(var, str(PINNED / sub))
        create_recorder("small", "10 MB")
        sizes = {"photos/2019/beach.jpg": 2 * MB, "photos/2019/dunes.jpg": 1 * MB, "photos/2020/snow.jpg": 2 * MB,
                 "notes/taxes.pdf": 300_000, "notes/letter.txt": 4_000, "film.mkv": 12 * MB}  # fmt: skip
        for name, size in sizes.items():
            path = PINNED / "home" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(bytes(size))
        yield PINNED / "home"


def _plan(home: Path) -> DiscSet:
    plan = plan_set("ARCHIVE_2026", "10 MB", [str(home / n) for n in ("photos", "notes", "film.mkv")])
    plan.created = "2026-11-30 14:05"
    return plan


def test_set_plan_screen(snap_compare, pinned_data: Path) -> None:
    async def show_plan(pilot) -> None:
        await settle(pilot, need_report=True)
        pilot.app.clear_notifications()
        pilot.app.push_screen(SetPlanScreen(_plan(pinned_data), "small"))
        await settle(pilot)
        await pilot.press("down", "down")  # disc 3: folders kept together, a file's last part
        await pilot.pause(0.2)

    assert snap_compare(DiscdeckApp(), terminal_size=(80, 24), run_before=show_plan)


def test_sets_screen(snap_compare, pinned_data: Path) -> None:
    done = _plan(pinned_data)
    for disc in done.discs:
        disc.state, disc.burned_on = "burned", "2026-11-30 14:20"
    save_set(done)
    half = plan_set("PHOTOS", "10 MB", [str(pinned_data / "photos"), str(pinned_data / "film.mkv")])
    half.name, half.created = "FILM_AND_PHOTOS", "2026-11-30 15:00"
    half.discs[0].state, half.discs[0].burned_on = "burned", "2026-11-30 15:10"
    save_set(half)

    async def show_sets(pilot) -> None:
        await settle(pilot, need_report=True)
        pilot.app.clear_notifications()
        pilot.app.action_sets()
        await settle(pilot)
        await pilot.press("down")  # the resumable one
        await pilot.pause(0.2)

    assert snap_compare(DiscdeckApp(), terminal_size=(80, 24), run_before=show_sets)
