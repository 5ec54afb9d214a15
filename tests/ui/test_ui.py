"""Pilot tests: the real app driving the real xorriso on virtual recorders."""

from __future__ import annotations

import re
import threading
from pathlib import Path

from app.drives.virtual import create_recorder
from app.tui.app import DiscdeckApp
from tests.conftest import make_garbage_image, make_image, xorriso_run
from tests.ui.pilot import screen_text as _screen_text
from tests.ui.pilot import settle as _settle
from widgets.media_panel import MediaPanel
from widgets.toc_table import TocTable


async def test_three_sessions_on_screen() -> None:
    recorder = create_recorder("virtual-dvd")
    make_image(Path(recorder.image), ["VOL_S1", "VOL_S2", "VOL_S3"], seed=3)
    app = DiscdeckApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        table = app.screen.query_one(TocTable)
        starts = [str(table.get_row_at(i)[2]) for i in range(table.row_count)]
        toc = xorriso_run("-outdev", recorder.address, "-toc").stdout.decode()
        expected = re.findall(r"ISO session\s*:\s*\d+\s*,\s*(\d+)", toc)
        assert len(expected) == 3
        assert starts == expected
        screen = _screen_text(app)
        for text in (*expected, "VOL_S1", "VOL_S2", "VOL_S3", "appendable", "virtual"):
            assert text in screen
        assert "4.4 GiB free  — a adds, b burns\n" in screen, "the summary's hint is whole at 80 columns"


async def test_first_run_creates_blank_virtual_recorder(private_home) -> None:
    app = DiscdeckApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        image = private_home["XDG_DATA_HOME"] / "discdeck" / "recorders" / "virtual-dvd.iso"
        assert image.exists()
        screen = _screen_text(app)
        assert "blank" in screen
        assert "2,295,104" in screen  # the nominal DVD capacity, not the host disk's


async def test_garbage_image_says_why(tmp_path: Path) -> None:
    garbage = make_garbage_image(tmp_path / "junk.iso")
    app = DiscdeckApp(address=f"stdio:{garbage}")
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        screen = " ".join(_screen_text(app).split())
        assert "no ISO 9660" in screen


async def test_missing_image_shows_reason(tmp_path: Path) -> None:
    app = DiscdeckApp(address=f"stdio:{tmp_path / 'gone.iso'}")
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        panel = app.screen.query_one(MediaPanel)
        assert "does not exist" in str(panel.render())


async def test_keys_reread_and_help() -> None:
    app = DiscdeckApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        await pilot.press("r")
        await _settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause(0.1)
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape")
        await pilot.pause(0.1)
        assert type(app.screen).__name__ == "MainScreen"


async def test_journal_screen_lists_operations(tmp_path: Path) -> None:
    from app.config import journal_dir
    from app.jobs.start import start_check

    recorder = create_recorder("virtual-dvd")
    make_image(Path(recorder.image), ["J1"], seed=7)
    operation = start_check(recorder.address, journal_dir=journal_dir())
    for _ in operation.events():
        pass
    app = DiscdeckApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        await pilot.press("j")
        await _settle(pilot)
        assert type(app.screen).__name__ == "JournalScreen"
        screen = " ".join(_screen_text(app).split())
        assert "check" in screen and "ok" in screen
        assert "every file matches its MD5" in screen
        await pilot.press("escape")
        assert type(app.screen).__name__ == "MainScreen"


async def test_quit_during_an_operation_asks() -> None:
    from app.engine.options import BurnOptions
    from app.jobs.finish import Finished
    from app.jobs.plans import Target, burn_plan
    from app.tui.screens.operation_screen import OperationScreen

    gate = threading.Event()

    def held(_hooks: object, _say: object) -> Finished:
        # Not a job: it only stays "running" until the test lets it go (what is asked
        # does not depend on what runs).
        gate.wait(10)
        return Finished(plan)

    app = DiscdeckApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        plan = burn_plan(Target("stdio:/dev/null", "nowhere"), [], BurnOptions())
        running = app.start_running_job(plan, runner=held)
        await app.push_screen(OperationScreen(plan, running=running))
        await pilot.press("ctrl+c")
        await pilot.pause(0.2)
        assert type(app.screen).__name__ == "ConfirmScreen"
        await pilot.press("n")
        await pilot.pause(0.1)
        assert isinstance(app.screen, OperationScreen)
        gate.set()


async def test_a_recorder_made_elsewhere_appears_by_itself() -> None:
    """No r, no d: the drive list follows the recorders' folder (the monitor's file watch)."""
    from widgets.drive_list import DriveList

    create_recorder("virtual-dvd")
    app = DiscdeckApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        drives = app.screen.query_one(DriveList)
        other = create_recorder("made-elsewhere", "CD 700 MB")
        for _ in range(50):
            if any(e.address == other.address for e in drives.entries):
                break
            await pilot.pause(0.1)
        assert any(e.address == other.address for e in drives.entries)


async def test_the_disc_map_cuts_a_label_to_its_number_at_80x24() -> None:
    """Three sessions (as `xorriso -toc` listed them on a DVD): the second has two cells;
    its label cut to "2:" made the bar read "12:3"."""
    from textual.app import App, ComposeResult  # here: a bare app holding the one widget

    from widgets.disc_map import DiscMap, MapSegment

    class MapApp(App):
        def compose(self) -> ComposeResult:
            yield DiscMap()

    app = MapApp()
    async with app.run_test(size=(80, 24)) as pilot:
        disc_map = app.query_one(DiscMap)
        segments = [MapSegment(32, 186, "1:PHOTOS_1_of_1"), MapSegment(224, 58_778, "2:DISCDECK"),
                    MapSegment(59_008, 58_629, "3:DISCDECK"), MapSegment(117_664, 400_000, "4:BACKUP_OF_THE_YEAR_2026")]  # fmt: skip
        disc_map.show(segments, 2_295_104, 517_664)
        await pilot.pause()
        bar = str(disc_map.render()).splitlines()[0]
        assert bar.startswith("12 3 4:BACKUP_OF_T…··"), bar
