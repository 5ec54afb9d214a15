"""Pilot test of error correction in the app: `e` on a set's plan plans it again with RS03
room (none, 20 %, 50 %), a medium too small for it is said in one line, and `y` burns the
disc with its RS03 data (real xorriso and dvdisaster) on a virtual CD recorder."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from app.archive.sets import load_set
from app.drives.virtual import create_recorder
from app.tui.app import DiscdeckApp
from app.tui.screens.operation_screen import OperationScreen
from app.tui.screens.set_plan_screen import SetPlanScreen
from tests.conftest import needs_xorriso
from tests.ui.pilot import screen_text, settle, stage, wait_for


@needs_xorriso
@pytest.mark.skipif(shutil.which("dvdisaster") is None, reason="dvdisaster not installed")
@pytest.mark.timeout(400)
async def test_e_on_the_plan_adds_error_correction_and_y_burns_it(tmp_path: Path) -> None:
    recorder = create_recorder("cd", "CD 700 MB")
    data = tmp_path / "data"
    data.mkdir()
    (data / "notes.txt").write_text("kept for years\n")
    (data / "photo.jpg").write_bytes(os.urandom(2_000_000))
    app = DiscdeckApp(recorder.address)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, need_report=True)
        stage(app, str(data))
        app.plan_stage_set("TINY", "10 MB")
        await wait_for(pilot, lambda: isinstance(app.screen, SetPlanScreen))
        await pilot.press("e")
        await wait_for(pilot, lambda: "choose a medium of at least 735 MB" in str([n.message for n in app._notifications]))
        assert app.screen.plan.ecc is None
        await pilot.press("escape")
        app.plan_stage_set("ARK", "CD 700 MB")
        await wait_for(pilot, lambda: isinstance(app.screen, SetPlanScreen) and app.screen.plan.name == "ARK")
        screen = app.screen
        plain = screen.plan.capacity
        for ecc in (20, 50, None, 20):
            await pilot.press("e")
            await wait_for(pilot, lambda ecc=ecc: screen.plan.ecc == ecc)
        assert "error correction RS03 ≥ 20 %" in screen_text(app) and screen.plan.capacity < plain
        await pilot.press("y")  # hash, save, burn disc 1 with its RS03 data
        await wait_for(pilot, lambda: isinstance(app.screen, OperationScreen))
        job = app.screen
        await wait_for(pilot, lambda: job.finished, seconds=300)
        assert [r.outcome for r in job.results] == ["ok"], screen_text(app)
        assert "written with error correction and verified" in job.results[0].message
        await wait_for(pilot, lambda: load_set("ARK").discs[0].state == "burned")
    assert load_set("ARK").ecc == 20
    assert Path(recorder.image).stat().st_size >= 359_295 * 2048, "the whole RS03 image is on the disc"
