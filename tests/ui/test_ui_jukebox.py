"""Pilot tests of the jukebox's slots screen (J). No changer exists on this machine: the
real path says so in one line; the slots themselves are the lab's recorded `mtx status`
(tests/fixtures/lab-mtx-*.txt), handed to the screen as its reader."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from textual.widgets import Static

from app.engine.mtx import ChangerStatus, parse_mtx_status
from app.tui.app import DiscdeckApp
from app.tui.screens.slots_screen import NO_CHANGER, SlotsScreen
from tests.conftest import fixture_text
from tests.ui.pilot import run_confirmed, screen_text, settle, wait_for
from tests.ui.test_ui_local import Said


def recorded(name: str):
    """A reader giving what the lab's changer said (no changer here to ask)."""
    status = parse_mtx_status(fixture_text(name))

    def reader(_named: str | None) -> tuple[str, ChangerStatus]:
        return status.device, status

    return reader


async def test_no_changer_is_said_in_one_line() -> None:
    app = DiscdeckApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("L")
        await wait_for(pilot, lambda: isinstance(app.screen, SlotsScreen))
        head = app.screen.query_one("#slots-head", Static)
        await wait_for(pilot, lambda: "No media changer found" in str(head.render()))
        assert str(head.render()) == NO_CHANGER  # the app's words: there is no --changer here
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, SlotsScreen))


async def test_slots_are_listed_and_a_load_asks_first() -> None:
    app = DiscdeckApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = SlotsScreen("/dev/sr9", reader=recorded("lab-mtx-status.txt"))
        await app.push_screen(screen)
        await wait_for(pilot, lambda: screen.status is not None)
        text = screen_text(app)
        assert "1 drive, 8 slots (5 full); drive 0: empty" in text
        assert "slot   2  full   BLANK_2" in text and "slot   8  empty" in text
        said = Said(app)
        await pilot.press("u")
        await wait_for(pilot, lambda: "The drive is empty" in said)
        await pilot.press("down", "l")  # slot 2
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen")
        assert "Move the medium in slot 2 of /dev/sg2 into drive 0 (/dev/sr9)." in screen_text(app)
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen is screen)


async def test_a_full_drive_unloads_to_where_its_medium_came_from() -> None:
    app = DiscdeckApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = SlotsScreen(reader=recorded("lab-mtx-status-loaded.txt"))
        await app.push_screen(screen)
        await wait_for(pilot, lambda: screen.status is not None)
        assert "drive 0: holds slot 2 (BLANK_2)" in screen_text(app)
        said = Said(app)
        await pilot.press("l")
        await wait_for(pilot, lambda: "The drive holds a medium: unload it first (u)" in said)
        await pilot.press("u")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen")
        assert "Put the medium in drive 0 back into slot 2." in screen_text(app)


@pytest.mark.skipif(shutil.which("mtx") is None, reason="mtx is not installed")
async def test_a_load_runs_mtx_as_a_job_and_shows_its_refusal(tmp_path: Path) -> None:
    """The whole way: the confirmation, the job screen, the real mtx refusing a changer
    that is not there, and its words as the result."""
    status = parse_mtx_status(fixture_text("lab-mtx-status.txt"))
    missing = str(tmp_path / "sg9")
    app = DiscdeckApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = SlotsScreen(reader=lambda _named: (missing, status))
        await app.push_screen(screen)
        await wait_for(pilot, lambda: screen.status is not None)
        await pilot.press("down")
        job = await run_confirmed(pilot, "l")
        assert [(r.kind, r.outcome) for r in job.results] == [("changer", "failed")]
        assert job.results[0].message.startswith(f"mtx load 2 0 on {missing} failed: ")
        assert "cannot open SCSI device" in job.results[0].message
