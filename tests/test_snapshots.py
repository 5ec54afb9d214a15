"""SVG snapshots of the main screen on a three-session virtual recorder.

Volatile values are pinned by configuration: a fixed data folder (so paths match), the
recorder's nominal capacity (not the host disk's free space), deterministic image content.
The SVGs are copied to screenshots/ by scripts/update-screenshots.sh.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.tui import DiscdeckApp
from app.virtual import create_recorder
from tests.conftest import make_image

PINNED_HOME = Path("/tmp/discdeck-snapshots")


@pytest.fixture
def pinned_recorder(monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.rmtree(PINNED_HOME, ignore_errors=True)
    for var, sub in (
        ("XDG_DATA_HOME", "data"),
        ("XDG_STATE_HOME", "state"),
        ("XDG_CONFIG_HOME", "config"),
    ):
        (PINNED_HOME / sub).mkdir(parents=True)
        monkeypatch.setenv(var, str(PINNED_HOME / sub))
    recorder = create_recorder("virtual-dvd")
    make_image(Path(recorder.image), ["VOL_S1", "VOL_S2", "VOL_S3"], seed=3)
    return Path(recorder.image)


async def _settle(pilot) -> None:
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause(0.1)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_main_screen(snap_compare, pinned_recorder: Path, size: tuple[int, int]) -> None:
    assert snap_compare(DiscdeckApp(), terminal_size=size, run_before=_settle)


def test_help_screen(snap_compare, pinned_recorder: Path) -> None:
    async def open_help(pilot) -> None:
        await _settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause(0.2)

    assert snap_compare(DiscdeckApp(), terminal_size=(80, 24), run_before=open_help)
