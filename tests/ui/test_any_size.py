"""Any size: at 60x20, 80x24 and 120x40 every pane is inside the screen and no two overlap,
logs wrap at their own width and keep their newest line in sight, the journal's argv reads.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest
from textual.app import App
from textual.geometry import Region
from textual.widget import Widget

from app.config import journal_dir
from app.drives.virtual import create_recorder
from app.engine.journal import Journal
from app.tui.app import DiscdeckApp
from tests.conftest import make_image
from tests.ui.pilot import screen_text, settle, wait_for
from widgets.log_pane import LogPane, wrap_plain

SIZES = [(60, 20), (80, 24), (120, 40)]
IDS = ["60x20", "80x24", "120x40"]

PANES = {
    "MainScreen": ["drives-box", "media-box", "toc-box", "disc-map", "summary", "log"],
    "JournalScreen": ["journal-list-box", "journal-text-box"],
    "BrowserScreen": ["browser-sessions-box", "browser-tree-box", "browser-details-box"],
    "StageScreen": ["local-box", "iso-box", "stage-options", "fit"],
    "OperationScreen": ["op-box", "op-result", "op-log"],
    "HelpScreen": ["help-box"],
    "BootScreen": ["boot-box"],
    "ConfirmScreen": ["confirm-box", "confirm-buttons"],
    "OptionsScreen": ["options-box", "speed"],
}
"""The panes of each screen: each must be whole on the screen, beside the others."""

MINIMUM_ROWS = {"log": 2, "toc-box": 4, "journal-text-box": 6, "op-log": 2, "media-box": 4}


@pytest.fixture
def recorder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A four-session virtual recorder, a journal with Cyrillic names, a home to stage from."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home" / "Документы").mkdir(parents=True)
    recorder = create_recorder("virtual-dvd")
    make_image(Path(recorder.image), ["VOL_S1", "VOL_S2", "VOL_S3", "VOL_S4"], seed=4)
    _cyrillic_journal()
    return Path(recorder.image)


def _cyrillic_journal() -> Path:
    argv = [
        "xorriso", "-dev", "stdio:/tmp/disc.iso", "-map", "/home/u/Документы/Отчёт за март.txt",
        "/Отчёт за март.txt", "-map", os.fsdecode(b"/home/u/caf\xe9"), "/cafe", "-commit",
    ]  # fmt: skip
    journal = Journal(journal_dir(), "burn", argv)
    journal.line("I", "xorriso : UPDATE : Writing:  128s  57.1%", 0.5)
    journal.finish(0, "NOTE", "ok", "written")
    return journal.path


def _panes(app: App) -> list[Widget]:
    screen = app.screen
    wanted = PANES[type(screen).__name__]
    found = [screen.query_one(f"#{pane}") for pane in wanted]
    return [pane for pane in found if pane.display]


def assert_no_overlap(app: App) -> None:
    """Every shown pane (and the header and footer) is whole on the screen, beside the rest."""
    screen = app.screen
    where = f"{type(screen).__name__} at {app.size.width}x{app.size.height}"
    area = Region(0, 0, *app.size)
    panes = _panes(app)
    assert panes, where
    for pane in panes:
        assert pane.region.height > 0, f"{pane.id} is not shown on {where}"
        assert area.contains_region(pane.region), f"{pane.id} {pane.region} is off {where}"
        floor = MINIMUM_ROWS.get(pane.id or "", 1)
        assert pane.region.height >= floor, f"{pane.id} has {pane.region.height} rows on {where}"
    if not screen.is_modal:
        panes += [screen.query_one("Header"), screen.query_one("Footer")]
    for one, other in itertools.combinations(panes, 2):
        if one in other.ancestors or other in one.ancestors:
            continue
        assert not one.region.overlaps(other.region), (
            f"{one.id or one} {one.region} overlaps {other.id or other} {other.region} on {where}"
        )
    assert screen.max_scroll_y == 0, f"the screen itself scrolls on {where}"


async def _open(pilot, key: str, screen: str) -> None:
    await pilot.press(key)
    await wait_for(pilot, lambda: type(pilot.app.screen).__name__ == screen, seconds=20)
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
async def test_every_screen_fits_without_overlap(recorder: Path, size: tuple[int, int]) -> None:
    app = DiscdeckApp()
    async with app.run_test(size=size) as pilot:
        await settle(pilot, need_report=True)
        assert_no_overlap(app)
        for key, screen in (("j", "JournalScreen"), ("question_mark", "HelpScreen")):
            await _open(pilot, key, screen)
            assert_no_overlap(app)
            await pilot.press("escape")
            await settle(pilot)
        await _open(pilot, "i", "BrowserScreen")
        assert_no_overlap(app)
        await _open(pilot, "t", "BootScreen")
        assert_no_overlap(app)
        await pilot.press("escape")
        await pilot.press("escape")
        await settle(pilot)
        await _open(pilot, "a", "StageScreen")
        assert_no_overlap(app)
        await _open(pilot, "o", "OptionsScreen")
        assert_no_overlap(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "StageScreen")
        await pilot.press("a")  # the highlighted folder, Документы
        await wait_for(pilot, lambda: not app.stage.is_empty())
        await _open(pilot, "b", "ConfirmScreen")
        await pilot.press("c")  # the command, too
        command = app.screen.query_one("#confirm-command")
        await wait_for(pilot, lambda: command.region.height > 0, seconds=10)
        await settle(pilot)
        assert_no_overlap(app)
        buttons = app.screen.query_one("#confirm-buttons")
        assert buttons.region.height == 1 and "Burn" in screen_text(app)
        if size == (120, 40):  # the command on few lines: the name whole, readable, quoted
            assert "'/Документы'" in screen_text(app)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
async def test_the_job_screen_fits_while_running_and_finished(
    recorder: Path, size: tuple[int, int]
) -> None:
    """The burn screen mid-burn and with its result and log lines, fed like the snapshot."""
    from app.engine.options import BurnOptions
    from app.engine.progress import Progress
    from app.jobs.job import JobResult
    from app.jobs.plans import Target, burn_plan
    from app.tui.messages import JobFinished, JobProgress
    from app.tui.screens.operation_screen import OperationScreen

    app = DiscdeckApp()
    async with app.run_test(size=size) as pilot:
        await settle(pilot, need_report=True)
        plan = burn_plan(Target("stdio:/dev/null", "virtual-dvd"), [], BurnOptions())
        screen = OperationScreen(plan, autostart=False)
        await app.push_screen(screen)
        for percent in (10.0, 40.0, 70.0):
            progress = Progress(phase="writing", percent=percent, sectors=int(percent * 100),
                                total_sectors=10000, fifo=50, buffer=90, speed=4.0,
                                line=f"xorriso : UPDATE : Writing: {percent}%")  # fmt: skip
            screen.post_message(JobProgress(progress))
            await pilot.pause(0.05)
        assert_no_overlap(app)
        result = JobResult(kind="burn", outcome="ok", message="written", argv=[], returncode=0,
                           worst="NOTE", warnings=["a warning", "another one"])  # fmt: skip
        screen.post_message(JobFinished(result))
        for n in range(30):
            screen.query_one(LogPane).note(f"line {n} of what happened after the burn")
        await pilot.pause(0.3)
        assert_no_overlap(app)
        assert "line 29 of what happened" in screen_text(app)


@pytest.mark.parametrize("size", [(60, 20), (80, 24)], ids=["60x20", "80x24"])
async def test_many_sessions_scroll_in_their_pane_and_leave_the_log_its_rows(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    """Twelve sessions once pushed the log (and the footer's neighbours) off an 80x24 screen."""
    recorder = create_recorder("virtual-dvd")
    make_image(Path(recorder.image), [f"VOL_{n}" for n in range(1, 13)], seed=12)
    app = DiscdeckApp()
    async with app.run_test(size=size) as pilot:
        await settle(pilot, need_report=True)
        assert_no_overlap(app)
        table = app.screen.query_one("#toc")
        assert table.row_count == 12 and table.max_scroll_y > 0  # the TOC scrolls instead
        log = app.screen.query_one("#log", LogPane)
        assert _last_row_shown(app, log)


def _last_row_shown(app: App, log: LogPane) -> bool:
    """The log's newest row is among the rows it shows, and on the screen."""
    first = log.scroll_offset.y
    shown = log.rows[first : first + log.scrollable_content_region.height]
    on_screen = Region(0, 0, *app.size).contains_region(log.region)
    return (
        bool(shown)
        and shown[-1] == log.rows[-1]
        and on_screen
        and (log.rows[-1].strip() in screen_text(app))
    )


async def test_the_log_wraps_at_its_width_and_follows_its_newest_line(recorder: Path) -> None:
    app = DiscdeckApp()
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot, need_report=True)
        log = app.screen.query_one("#log", LogPane)
        for n in range(200):
            log.note(f"note {n}: " + "a rather long line of what xorriso said " * 3)
        log.note("the last line: 3 sessions")
        await pilot.pause(0.2)
        assert _last_row_shown(app, log)
        width = log.scrollable_content_region.width
        assert all(len(row.rstrip()) <= width for row in log.rows)
        assert len(log.rows) > 400  # the long notes take two or more rows at 59 columns
        for size in ((120, 40), (60, 20), (80, 24), (61, 21)):
            await pilot.resize_terminal(*size)
            await pilot.pause(0.3)
            assert log.scrollable_content_region.width == size[0] - 1  # one for the scrollbar
            assert max(len(row.rstrip()) for row in log.rows) <= size[0] - 1
            assert _last_row_shown(app, log), f"the last line is out of sight at {size}"
        # scrolled up, the log stays where the reader is; back at the end, it follows again
        log.scroll_home(animate=False, immediate=True)
        log.note("a new line while reading old ones")
        await pilot.pause(0.2)
        assert log.scroll_y == 0
        log.scroll_end(animate=False, immediate=True)
        await pilot.pause(0.1)
        log.note("and one after")
        await pilot.pause(0.2)
        assert _last_row_shown(app, log)


@pytest.mark.parametrize("size", [(60, 20), (80, 24)], ids=["60x20", "80x24"])
async def test_the_journal_shows_a_cyrillic_argv_readable(
    recorder: Path, size: tuple[int, int]
) -> None:
    app = DiscdeckApp()
    async with app.run_test(size=size) as pilot:
        await settle(pilot, need_report=True)
        await _open(pilot, "j", "JournalScreen")
        log = app.screen.query_one("#journal-text", LogPane)
        await wait_for(pilot, lambda: any("outcome: ok" in row for row in log.rows))
        text = "".join(log.rows)
        assert "'/home/u/Документы/Отчёт за март.txt'" in text
        assert "'/Отчёт за март.txt'" in text
        assert "'/home/u/caf\\xe9'" in text  # not UTF-8: an escape, one quoted word
        assert "\\u04" not in text and "command: " not in text
        width = log.scrollable_content_region.width
        assert width < size[0] - 20 or size[0] < 80  # the pane, not the terminal
        assert all(len(row.rstrip()) <= width for row in log.rows)
        assert _last_row_shown(app, log)  # the result, at the end, is in sight
        log.scroll_home(animate=False, immediate=True)
        await pilot.pause(0.2)
        assert "Документы" in screen_text(app)


def test_wrap_plain_breaks_at_blanks_keeps_the_indent_and_folds_long_words() -> None:
    line = "    0.903 I Writing to 'stdio:/tmp/discdeck-snapshots/virtual-dvd.iso' completed"
    rows = wrap_plain(line, 30)
    assert rows == [
        "    0.903 I Writing to",
        "'stdio:/tmp/discdeck-snapshots",
        "/virtual-dvd.iso' completed",
    ]
    assert wrap_plain("short", 30) == ["short"] and wrap_plain("", 5) == [""]
    for width in range(1, 40):
        rows = wrap_plain(line, width)
        assert all(len(row) <= width for row in rows)
        assert "".join(rows).replace(" ", "") == line.replace(" ", "")
