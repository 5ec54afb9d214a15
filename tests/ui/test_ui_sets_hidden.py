"""Pilot tests of a disc set that nobody watches: its job screen hidden (h) during disc 1, the
next discs follow by themselves (real xorriso on a small virtual recorder), and a real
drive's wait for a blank is the drive's job, listed, shown by `o`, hidden again, and ended
by a blank medium (an image file the test empties)."""

from __future__ import annotations

from pathlib import Path

from app.archive.sets import load_set, plan_set, save_set
from app.drives.shelf import shelf_dir
from app.drives.virtual import create_recorder
from app.jobs.plans import Target
from app.jobs.set_burn import prepare_manifest
from app.tui.app import DiscdeckApp
from app.tui.screens.main_screen import MainScreen
from app.tui.screens.operation_screen import OperationScreen
from app.tui.screens.wait_blank_screen import WaitBlankScreen
from app.tui.set_burn_flows import SetStep
from tests.conftest import make_image, needs_xorriso
from tests.ui.pilot import screen_text, settle, stage, wait_for
from tests.ui.test_ui_local import Said
from tests.ui.test_ui_sets import _check_discs, _start_set, make_data
from widgets.drive_list import DriveList


@needs_xorriso
async def test_hiding_disc_1_of_a_set_lets_the_next_discs_follow_by_themselves(tmp_path: Path) -> None:
    recorder = create_recorder("small", "10 MB")
    data = make_data(tmp_path / "data")
    app = DiscdeckApp(recorder.address)
    async with app.run_test(size=(80, 24)) as pilot:
        said = Said(app)
        await settle(pilot, need_report=True)
        stage(app, str(data / "trip"))
        stage(app, str(data / "big.bin"))
        app.stage.options.speed = "1d"  # ~7 s for disc 1: time to hide its screen
        await _start_set(pilot, "HIDE")
        await wait_for(pilot, lambda: isinstance(app.screen, OperationScreen) and len(app.screen.samples) >= 2)
        first = app.screen.running
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        assert first.running, "disc 1 ended before its screen was hidden"
        app.stage.options.speed = "max"  # the discs that follow, at full pace
        await wait_for(pilot, lambda: app.jobs.of(recorder.address) is not first, 120)
        second = app.jobs.of(recorder.address)
        assert second.title.startswith("Burning disc 2 of 3 of HIDE"), second.title
        assert "Burning disc 2 of 3 of HIDE to small: o shows it" in said
        assert isinstance(app.screen, MainScreen), "a hidden set pushed a screen"
        await wait_for(pilot, lambda: all(d.state == "burned" for d in load_set("HIDE").discs), 180)
        await wait_for(pilot, lambda: not app.jobs.running())
        assert isinstance(app.screen, MainScreen)
        drives = app.screen.query_one(DriveList)
        await wait_for(pilot, lambda: drives.states.get(recorder.address) == "done", 10)
        await wait_for(pilot, lambda: "HIDE is complete: all 3 discs burned and verified" in said, 30)
        await pilot.press("o")  # the drive's last job: disc 3's, finished
        await wait_for(pilot, lambda: isinstance(app.screen, OperationScreen) and app.screen.finished)
        assert "disc 3 of 3" in screen_text(app)
    images = [*sorted(shelf_dir().glob("small-*.iso"), key=lambda p: p.stat().st_mtime), Path(recorder.image)]
    assert len(images) == 3
    _check_discs(tmp_path, images, data)


@needs_xorriso
async def test_a_drive_waiting_for_a_blank_says_so_and_o_shows_the_wait(tmp_path: Path) -> None:
    """A real drive's wait, on an image file that is not a recorder: the test empties it
    (the blank is in) while the wait is hidden; the set's disc then burns by itself."""
    data = make_data(tmp_path / "data")
    plan = plan_set("WAIT", "10 MB", [str(data / "trip"), str(data / "big.bin")])
    prepare_manifest(plan)
    save_set(plan)
    image = make_image(tmp_path / "drive.iso")  # a written medium
    address = f"stdio:{image}"
    app = DiscdeckApp(address)
    async with app.run_test(size=(80, 24)) as pilot:
        said = Said(app)
        await settle(pilot, need_report=True)
        app._wait_for_blank(plan, plan.discs[0], Target(address, "drive"), SetStep(background=True))
        drives = app.screen.query_one(DriveList)
        await wait_for(pilot, lambda: drives.states.get(address) == "waiting for a blank", 30)
        assert "Insert a blank into drive for disc 1 of 3 of WAIT (o shows the wait)" in said
        await wait_for(pilot, lambda: "waiting for a blank" in screen_text(app), 10)
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, WaitBlankScreen))
        await wait_for(pilot, lambda: "waiting for a blank medium:" in screen_text(app), 10)
        assert "disc 1 of the set WAIT" in screen_text(app)
        await pilot.press("h")  # hidden again: the wait goes on
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        image.write_bytes(b"")  # the blank is in
        await wait_for(pilot, lambda: load_set("WAIT").discs[0].state == "burned", 120)
        assert isinstance(app.screen, MainScreen)
        assert "Burning disc 1 of 3 of WAIT to" in said
        # Stopped with esc: nothing burns, the set says where it stands.
        app._wait_for_blank(plan, plan.discs[1], Target(address, "drive"), SetStep())
        await wait_for(pilot, lambda: isinstance(app.screen, WaitBlankScreen), 30)
        await pilot.press("escape")
        await wait_for(pilot, lambda: "stopped before disc 2" in said, 30)
    assert [d.state for d in load_set("WAIT").discs] == ["burned", "planned", "planned"]


@needs_xorriso
async def test_a_wait_shown_gives_way_to_the_disc_once_the_drive_reads_blank(tmp_path: Path) -> None:
    """The wait's screen looks every 2 s (xorriso) and, once the image reads blank, the
    disc's own job screen replaces it."""
    data = make_data(tmp_path / "data")
    plan = plan_set("SHOWN", "10 MB", [str(data / "trip"), str(data / "big.bin")])
    prepare_manifest(plan)
    save_set(plan)
    image = make_image(tmp_path / "drive.iso")
    address = f"stdio:{image}"
    app = DiscdeckApp(address)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, need_report=True)
        app._wait_for_blank(plan, plan.discs[0], Target(address, "drive"), SetStep(confirm=False))
        await wait_for(pilot, lambda: isinstance(app.screen, WaitBlankScreen), 30)
        await wait_for(pilot, lambda: "waiting for a blank medium:" in screen_text(app), 30)
        image.write_bytes(b"")  # the blank is in
        await wait_for(pilot, lambda: isinstance(app.screen, OperationScreen), 30)
        assert app.screen.plan.title.startswith("Burning disc 1 of 3 of SHOWN")
        await wait_for(pilot, lambda: app.screen.finished, 120)
    assert load_set("SHOWN").discs[0].state == "burned"
