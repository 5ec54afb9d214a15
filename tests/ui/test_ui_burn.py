"""Pilot tests of staging and burning from the UI, on a virtual recorder, real xorriso."""

from __future__ import annotations

import os
from pathlib import Path

from app.drives.virtual import create_recorder
from app.engine.inspect import read_medium
from app.tui.app import DiscdeckApp
from app.tui.screens.operation_screen import OperationScreen
from app.tui.screens.stage_screen import StageScreen
from tests.ui.pilot import run_confirmed, screen_text
from tests.ui.pilot import settle as _settle
from tests.ui.pilot import stage as stage_it
from tests.ui.pilot import wait_for as _wait_for
from widgets.fit_bar import FitBar
from widgets.stage_panel import StagePanel
from widgets.toc_table import TocTable


def _make_source(root: Path, megabytes: int = 16) -> Path:
    source = root / "photos"
    (source / "sub").mkdir(parents=True)
    (source / "big.bin").write_bytes(os.urandom(megabytes * 1024 * 1024))
    (source / "sub" / 'it\'s a "name".txt').write_text("hello\n")
    return source


async def test_burn_from_the_ui_shows_gauges_and_verifies(tmp_path: Path) -> None:
    recorder = create_recorder("virtual-dvd")
    source = _make_source(tmp_path)
    app = DiscdeckApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        app.stage.add(str(source), "/")
        app.stage.options.speed = "4d"  # throttled like a real 4x DVD, so gauges move
        for _ in app.stage.scan("/"):
            pass
        screen = await run_confirmed(pilot, "b")
        assert [r.kind for r in screen.results] == ["burn", "check"]
        assert all(r.outcome == "ok" for r in screen.results)
        assert any(buffer is not None for _, buffer in screen.samples), "no gauge samples"
        assert screen.query_one("#gauge-buffer").display
        assert any(speed is not None for speed, _ in screen.samples)
        await pilot.press("enter")
        await _settle(pilot)
        assert app.stage.is_empty(), "a burned stage is cleared for the next session"
        # A second session, appended at full speed: the TOC on screen shows both.
        more = tmp_path / "more"
        more.mkdir()
        (more / "second.txt").write_text("second session\n")
        app.stage.add(str(more), "/")
        app.stage.options.speed = "max"
        for _ in app.stage.scan("/"):
            pass
        await run_confirmed(pilot, "b")
        await pilot.press("enter")
        await _settle(pilot)
        table = app.screen.query_one(TocTable)
        await _wait_for(pilot, lambda: table.row_count == 2)
    report = read_medium(recorder.address)
    assert report.toc.media.status == "appendable"
    assert len(report.toc.sessions) == 2


async def test_stage_screen_add_and_fit(tmp_path: Path, monkeypatch) -> None:
    create_recorder("virtual-dvd")
    source = _make_source(tmp_path, megabytes=1)
    monkeypatch.setenv("HOME", str(tmp_path))  # the local browser starts at home
    app = DiscdeckApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        await pilot.press("a")
        await _settle(pilot)
        assert isinstance(app.screen, StageScreen)
        await pilot.press("a")  # "photos", the first entry (".xdg" is hidden)
        await _settle(pilot)
        assert [iso for _disk, iso in app.stage.entries()] == ["/photos"]
        assert app.stage.entries()[0][0] == str(source)
        fit = app.screen.query_one(FitBar)
        await _wait_for(pilot, lambda: fit.exact)
        assert 1024 * 1024 < fit.used < 3 * 1024 * 1024
        assert fit.free == 2_295_104 * 2048
        await pilot.press("tab")  # to the disc tree
        panel = app.screen.query_one(StagePanel)
        assert panel.has_focus
        await _wait_for(pilot, lambda: panel.selected_path() == "/photos", seconds=3)
        await pilot.press("delete")  # removes the highlighted /photos
        await _settle(pilot)
        assert app.stage.is_empty()


async def test_stage_autosaves_and_comes_back(tmp_path: Path) -> None:
    create_recorder("virtual-dvd")
    source = _make_source(tmp_path, megabytes=1)
    app = DiscdeckApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        app.stage.add(str(source), "/backup")
        app.save_stage()
    again = DiscdeckApp()
    assert [iso for _d, iso in again.stage.entries()] == ["/backup/photos"]


async def test_blank_asks_and_leaves_blank(tmp_path: Path) -> None:
    from tests.conftest import make_image

    recorder = create_recorder("virtual-dvd")
    make_image(Path(recorder.image), ["OLD"], seed=5)
    app = DiscdeckApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        await pilot.press("B")
        await _wait_for(pilot, lambda: type(app.screen).__name__ == "ChoiceScreen")
        await pilot.press("enter")  # as_needed
        await _wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen")
        await pilot.press("n")  # the first answer is no: nothing happens
        await _settle(pilot)
        assert read_medium(recorder.address).toc.media.status == "appendable"
        await pilot.press("B")
        await _wait_for(pilot, lambda: type(app.screen).__name__ == "ChoiceScreen")
        await pilot.press("enter")
        await _wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen")
        await pilot.press("y")
        await _wait_for(pilot, lambda: isinstance(app.screen, OperationScreen))
        screen = app.screen
        await _wait_for(pilot, lambda: screen.finished)
        assert screen.results[-1].outcome == "ok"
    assert read_medium(recorder.address).toc.media.status == "blank"


async def test_journal_ends_with_the_medium_state(tmp_path: Path) -> None:
    from app.config import journal_dir
    from app.engine.journal import list_journals, read_journal

    create_recorder("virtual-dvd")
    source = _make_source(tmp_path, megabytes=1)
    app = DiscdeckApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        stage_it(app, str(source))
        await run_confirmed(pilot, "b")
    texts = [read_journal(path) for path in list_journals(journal_dir())]
    assert len(texts) == 2  # the burn and its verify
    assert all("medium after: appendable, 1 session(s)" in text for text in texts)


async def test_the_stage_is_cleared_when_the_burn_ends_whatever_comes_next(
    tmp_path: Path,
) -> None:
    """Quitting from the result screen (ctrl+c) keeps nothing to burn twice: the stage is
    cleared in the step that records the result, and the autosave says so."""
    from app.stage.store import autosave_path, load_stage

    create_recorder("virtual-dvd")
    source = _make_source(tmp_path, megabytes=1)
    app = DiscdeckApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        stage_it(app, str(source))
        app.save_stage()
        screen = await run_confirmed(pilot, "b")
        assert [r.outcome for r in screen.results] == ["ok", "ok"]
        assert app.stage.is_empty()
        await pilot.press("ctrl+c")  # straight from the result screen
        await pilot.pause(0.3)
    stage = load_stage(autosave_path())
    assert stage.is_empty() and stage.burn_mark is None


async def test_a_burn_that_never_ended_marks_the_stage_and_asks_before_again(
    tmp_path: Path,
) -> None:
    """A crash between the start of a burn and its result leaves the stage marked; b then
    asks first. A cancelled burn leaves the stage as it was, unmarked."""
    from app.stage.model import BurnMark, Stage
    from app.stage.store import autosave_path, save_stage

    create_recorder("virtual-dvd")
    source = _make_source(tmp_path, megabytes=16)
    stage = Stage("HOLIDAY")
    stage.options.speed = "1d"  # ~1.4 MB/s: slow enough to be cancelled mid-write
    stage.add(str(source), "/")
    for _ in stage.scan("/"):
        pass
    stage.burn_mark = BurnMark("2026-11-30 09:15", "HOLIDAY", "virtual-dvd")
    save_stage(stage, autosave_path())
    app = DiscdeckApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        assert app.stage.burn_mark == stage.burn_mark
        await pilot.press("b")
        await _wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen")
        assert app.screen.title_text == "Burn it again?"
        assert "burned on 2026-11-30 09:15 as HOLIDAY" in "\n".join(app.screen.lines)
        await pilot.press("n")
        await pilot.pause(0.2)
        assert app.stage.burn_mark is not None, "no means nothing changes"
        await pilot.press("b")
        await _wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen")
        await pilot.press("y")  # burn again: now the usual question
        await _wait_for(pilot, lambda: getattr(app.screen, "title_text", "") == "Burn this session?")
        await pilot.press("y")
        await _wait_for(pilot, lambda: isinstance(app.screen, OperationScreen))
        assert app.stage.burn_mark is not None and app.stage.burn_mark.volume_id == "HOLIDAY"
        screen = app.screen
        screen.cancel_requested = True
        await _wait_for(pilot, lambda: screen.job is not None)
        screen.job.cancel()
        await _wait_for(pilot, lambda: screen.finished)
        assert screen.results[0].outcome == "cancelled"
        await pilot.pause(0.3)
        assert not app.stage.is_empty() and app.stage.burn_mark is None


def _cursor_to(panel, path: str) -> None:
    def visit(node) -> bool:
        if node.data is not None and node.data.path == path:
            panel.move_cursor(node)
            return True
        return any(visit(child) for child in node.children)

    assert visit(panel.root), f"{path} is not in the panel"


async def test_appending_shows_the_disc_and_removes_what_is_marked(tmp_path: Path) -> None:
    """The stage over an appendable disc: the disc's tree dimmed, staged entries marked as
    merging or new, del leaves a disc entry out, and the question lists both."""
    from app.engine.commands import BurnOptions, MapEntry
    from app.jobs.start import start_burn
    from app.tui.screens.confirm_screen import ConfirmScreen
    from tests.conftest import xorriso_run

    recorder = create_recorder("virtual-dvd")
    first = tmp_path / "first"
    (first / "sub dir").mkdir(parents=True)
    (first / "sub dir" / "old.txt").write_text("old\n")
    (first / "keep.txt").write_text("keep\n")
    job = start_burn(
        recorder.address,
        [MapEntry(str(first / "sub dir"), "/sub dir"), MapEntry(str(first / "keep.txt"), "/keep.txt")],
        BurnOptions(verify=False),
    )
    list(job.events())
    assert job.result is not None and job.result.outcome == "ok"
    second = tmp_path / "second" / "sub dir"
    second.mkdir(parents=True)
    (second / "new.txt").write_text("new\n")
    (tmp_path / "second" / "fresh.txt").write_text("fresh\n")
    app = DiscdeckApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await _settle(pilot, need_report=True)
        app.stage.add(str(second), "/")
        app.stage.add(str(tmp_path / "second" / "fresh.txt"), "/")
        for _ in app.stage.scan("/"):
            pass
        await pilot.press("a")
        await _wait_for(pilot, lambda: isinstance(app.screen, StageScreen))
        panel = app.screen.query_one(StagePanel)
        await _wait_for(pilot, lambda: "/" in (app.screen.disc.folders if app.screen.disc else {}))
        await _settle(pilot)
        labels = {n.data.path: str(n.label) for n in panel.root.children}
        assert "merges" in labels["/sub dir"]
        assert "new" in labels["/fresh.txt"]
        assert "(disc)" in labels["/keep.txt"]
        panel.focus()
        _cursor_to(panel, "/keep.txt")
        await pilot.press("delete")
        await _settle(pilot)
        assert app.stage.removals == ["/keep.txt"]
        assert "left out" in str(
            next(n for n in panel.root.children if n.data.path == "/keep.txt").label
        )
        await pilot.press("b")
        await _wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        text = "\n".join(app.screen.lines)
        assert "Replaces: /sub dir" in text and "Removes:  /keep.txt" in text
        await pilot.press("y")
        await _wait_for(pilot, lambda: isinstance(app.screen, OperationScreen))
        screen = app.screen
        await _wait_for(pilot, lambda: screen.finished, seconds=90)
        assert [r.outcome for r in screen.results] == ["ok", "ok"]
        assert app.stage.is_empty() and app.stage.removals == []
    found = xorriso_run("-indev", recorder.address, "-find", "/").stdout.decode()
    paths = {line[5:] for line in found.splitlines() if line.startswith("R:1: ")}
    assert "'/sub dir/old.txt'" in paths and "'/sub dir/new.txt'" in paths
    assert "'/fresh.txt'" in paths and "'/keep.txt'" not in paths


async def test_a_new_blank_in_a_virtual_recorder_keeps_the_disc_on_the_shelf(tmp_path: Path) -> None:
    from app.drives.shelf import shelved_media
    from app.tui.screens.confirm_screen import ConfirmScreen
    from tests.conftest import make_image
    from widgets.drive_list import DriveList

    recorder = create_recorder("virtual-dvd")
    make_image(Path(recorder.image), ["OLD"])
    app = DiscdeckApp(address=recorder.address)
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot, need_report=True)
        await pilot.press("N")
        await _wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await _wait_for(pilot, lambda: app.report is not None and app.report.toc.media.status == "blank")
        await _settle(pilot)
        (shelved,) = shelved_media()
        drives = app.screen.query_one(DriveList)
        await _wait_for(pilot, lambda: any(e.address == shelved.recorder.address for e in drives.entries))
    assert Path(recorder.image).stat().st_size == 0
    assert Path(shelved.recorder.image).stat().st_size > 0


async def test_the_discs_entries_beside_the_stage_are_in_name_order_at_80x24(tmp_path: Path) -> None:
    """The medium lists a folder in the order of its ISO 9660 names (-dashdir is _DASHDIR,
    after MY_PHOTOS); the stage showed that order, unlike every other listing."""
    from app.engine.commands import BurnOptions, MapEntry  # as the test above does
    from app.jobs.start import start_burn

    recorder = create_recorder("virtual-dvd")
    source = tmp_path / "src"
    for name in ("-dashdir", "my photos", "Zeta"):
        (source / name).mkdir(parents=True)
        (source / name / "f.txt").write_text(name)
    (source / "-leading dash.txt").write_text("x")
    (source / "caf\xe9.txt").write_text("c")
    job = start_burn(recorder.address, [MapEntry(str(source), "/")], BurnOptions(verify=False))
    list(job.events())
    assert job.result is not None and job.result.outcome == "ok"
    app = DiscdeckApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot, need_report=True)
        await pilot.press("a")
        await _wait_for(pilot, lambda: isinstance(app.screen, StageScreen))
        panel = app.screen.query_one(StagePanel)
        await _wait_for(pilot, lambda: len(panel.root.children) == 5)
        shown = [n.data.path for n in panel.root.children]
        assert shown == ["/-dashdir", "/-leading dash.txt", "/Zeta", "/caf\xe9.txt", "/my photos"], shown


async def test_a_burn_not_seen_to_end_is_said_above_the_options_at_80x24(tmp_path: Path) -> None:
    """The warning took the options' line: at 80 columns the options were cut off whole."""
    from app.stage.model import BurnMark, Stage  # as the test above does
    from app.stage.store import autosave_path, save_stage

    create_recorder("virtual-dvd")
    stage = Stage("HOLIDAY")
    stage.add(str(_make_source(tmp_path, megabytes=1)), "/")
    stage.burn_mark = BurnMark("2026-11-30 09:15", "HOLIDAY", "stdio:~/.local/share/discdeck/recorders/virtual-dvd.iso")
    save_stage(stage, autosave_path())
    app = DiscdeckApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        await pilot.press("a")
        await _wait_for(pilot, lambda: isinstance(app.screen, StageScreen))
        await _settle(pilot)
        text = screen_text(app)
        assert "⚠ burned on 2026-11-30 09:15 as HOLIDAY" in text
        assert " HOLIDAY  [x]MD5 [ ]close [ ]simulate [x]Joliet [x]verify speed max" in text, text
