"""Several jobs at once in the app: one per drive, in the app's job registry; the drive
list shows each drive's state; o and J switch between the jobs' screens; a busy drive is
refused; a drive that goes away ends its job; copies in a row; burn to marked drives."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pycdlib

from app.drives.presence import GONE
from app.drives.shelf import add_recorder, remove_recorder, shelved_media
from app.engine.options import BurnOptions
from app.tui.app import DiscdeckApp
from tests.conftest import needs_xorriso
from tests.ui.pilot import answer_prompt, screen_text, settle, stage, wait_for
from widgets.drive_list import DriveList

pytestmark = needs_xorriso
SLOW = BurnOptions(volume_id="MULTI", speed="2d", pacifier_interval=0.5)


def _read_back(image: str, path: str) -> bytes:
    iso = pycdlib.PyCdlib()
    iso.open(image)
    try:
        out = io.BytesIO()
        iso.get_file_from_iso_fp(out, rr_path=path)
        return out.getvalue()
    finally:
        iso.close()


def _source(tmp_path: Path, size: int = 20_000) -> Path:
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "data.bin").write_bytes(os.urandom(size))
    return folder


async def _mark(pilot, app: DiscdeckApp, *addresses: str) -> DriveList:
    drives = app.screen.query_one(DriveList)
    drives.focus()
    for index, entry in enumerate(drives.entries):
        if entry.address in addresses:
            drives.highlighted = index
            await pilot.press("space")
    return drives


async def _burn_marked(pilot, app: DiscdeckApp, *addresses: str) -> DriveList:
    drives = await _mark(pilot, app, *addresses)
    await pilot.press("b")
    await wait_for(pilot, lambda: getattr(app.screen, "title_text", "").startswith("Burn to 2"))
    await pilot.press("y")
    await wait_for(pilot, lambda: len(app.jobs.jobs()) == 2)
    return drives


async def test_burn_to_two_marked_recorders(tmp_path: Path) -> None:
    alpha, beta = add_recorder("alpha", "CD 700 MB"), add_recorder("beta", "CD 700 MB")
    source = _source(tmp_path)
    app = DiscdeckApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        stage(app, str(source))
        drives = await _burn_marked(pilot, app, alpha.address, beta.address)
        await wait_for(pilot, lambda: not app.jobs.running(), seconds=120)
        await wait_for(pilot, lambda: drives.states.get(beta.address) == "done", seconds=5)
        assert drives.states[alpha.address] == "done", app.jobs.states()
        assert screen_text(app).count("done") >= 2
        for job in app.jobs.jobs():
            kinds = [(r.kind, r.outcome) for r in job.done.results]
            assert kinds == [("write", "ok"), ("verify", "ok")], kinds
    expected = (source / "data.bin").read_bytes()
    for recorder in (alpha, beta):
        assert _read_back(recorder.image, "/src/data.bin") == expected
    temp = Path(os.environ["XDG_STATE_HOME"]) / "discdeck" / "multi"
    assert not temp.exists() or list(temp.iterdir()) == []


async def test_live_states_and_switching_between_jobs(tmp_path: Path) -> None:
    alpha, beta = add_recorder("alpha", "DVD 4.7 GB"), add_recorder("beta", "DVD 4.7 GB")
    app = DiscdeckApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        stage(app, str(_source(tmp_path, 24 << 20)))
        app.stage.options = SLOW
        drives = await _burn_marked(pilot, app, alpha.address, beta.address)
        await wait_for(pilot, lambda: "writing" in drives.states.get(alpha.address, ""), 60)
        await wait_for(pilot, lambda: drives.states[alpha.address].endswith(" %"), 30)
        assert "writing" in screen_text(app)
        await pilot.press("J")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ChoiceScreen")
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "OperationScreen")
        first = app.screen.running
        await pilot.press("h")  # hidden: the job goes on
        await wait_for(pilot, lambda: type(app.screen).__name__ == "MainScreen")
        assert first.running
        other = beta.address if first.address == alpha.address else alpha.address
        drives.focus()
        drives.highlighted = next(i for i, e in enumerate(drives.entries) if e.address == other)
        await pilot.press("o")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "OperationScreen")
        assert app.screen.running.address == other and app.screen.running is not first
        await pilot.press("ctrl+c")  # quitting asks, naming both jobs
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen")
        question = "\n".join(app.screen.lines)
        assert "2 jobs are still running" in question and "CONTINUE" in question, question
        await pilot.press("n")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "OperationScreen")
        for job in app.jobs.running():
            job.cancel()
        await wait_for(pilot, lambda: not app.jobs.running(), seconds=60)


async def test_a_second_job_on_a_busy_drive_is_refused(tmp_path: Path) -> None:
    recorder = add_recorder("busy", "DVD 4.7 GB")
    app = DiscdeckApp(recorder.address)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        stage(app, str(_source(tmp_path, 24 << 20)))
        app.stage.options = SLOW
        await pilot.press("b")
        await wait_for(pilot, lambda: getattr(app.screen, "title_text", "") == "Burn this session?")
        await pilot.press("y")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "OperationScreen")
        running = app.screen.running
        await pilot.press("h")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "MainScreen")
        await pilot.press("c")  # a checkread of the drive being burned
        await pilot.pause(0.3)
        assert type(app.screen).__name__ == "MainScreen", "nothing was asked"
        said = [n.message for n in app._notifications]
        assert any("is busy" in text and "burning" in text for text in said), said
        assert app.jobs.jobs() == [running]
        running.cancel()
        await wait_for(pilot, lambda: not running.running, seconds=60)


async def test_a_recorder_removed_mid_burn_ends_its_job(tmp_path: Path) -> None:
    recorder = add_recorder("leaving", "DVD 4.7 GB")
    app = DiscdeckApp(recorder.address)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        stage(app, str(_source(tmp_path, 24 << 20)))
        app.stage.options = SLOW
        await pilot.press("b")
        await wait_for(pilot, lambda: getattr(app.screen, "title_text", "") == "Burn this session?")
        await pilot.press("y")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "OperationScreen")
        screen = app.screen
        await wait_for(pilot, lambda: len(screen.samples) >= 2, seconds=60)
        remove_recorder("leaving")
        await wait_for(pilot, lambda: screen.finished, seconds=60)
        assert screen.results[-1].outcome == "failed"
        assert GONE in screen.results[-1].message
        assert GONE in screen_text(app)
        assert not app.stage.is_empty(), "the stage is kept"
        assert app.jobs.states()[recorder.address] == "failed"


async def test_copies_in_a_row_from_the_app(tmp_path: Path) -> None:
    recorder = add_recorder("copier", "CD 700 MB")
    app = DiscdeckApp(recorder.address)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        stage(app, str(_source(tmp_path)))
        await answer_prompt(pilot, "K", "2")
        await wait_for(pilot, lambda: getattr(app.screen, "title_text", "") == "Burn 2 copies?")
        assert any(line.startswith("Copies:  2 in a row") for line in app.screen.lines)
        await pilot.press("y")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "OperationScreen")
        screen = app.screen
        await wait_for(pilot, lambda: screen.finished, seconds=120)
        done = screen.running.done
        assert done.ok and done.summary[-1] == "2 of 2 copies made", done.summary
        assert "2 of 2 copies made" in screen_text(app)
    assert len(shelved_media()) == 2
    for medium in shelved_media():
        assert _read_back(medium.recorder.image, "/src/data.bin")


async def test_a_drive_event_while_the_main_screen_is_torn_down_is_ignored() -> None:
    """A drive's change can arrive while the main screen is built or torn down (seen when
    the app quit during two jobs): the re-read waits for panels that are there. The TOC
    table is removed by hand here: the real race cannot be timed."""
    from widgets.toc_table import TocTable  # the widget this test removes

    app = DiscdeckApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        main = app.screen
        await main.query_one(TocTable).remove()
        main.read_current()  # raised NoMatches before
        await pilot.pause(0.1)


async def test_a_hidden_job_reopened_after_it_finished_shows_its_history(tmp_path: Path) -> None:
    """h while burning, o once it is done: the gauges, percent, elapsed time, xorriso's
    lines and the history graph are as they were, not the last event's (which has none)."""
    from textual.widgets import Digits

    from widgets.job.bar_gauge import BarGauge
    from widgets.job.progress_view import JobProgressView

    recorder = add_recorder("hidden", "DVD 4.7 GB")
    app = DiscdeckApp(recorder.address)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        stage(app, str(_source(tmp_path, 12 << 20)))
        app.stage.options = BurnOptions(volume_id="HIDDEN", speed="4d", pacifier_interval=0.5)
        await pilot.press("b")
        await wait_for(pilot, lambda: getattr(app.screen, "title_text", "") == "Burn this session?")
        await pilot.press("y")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "OperationScreen")
        running = app.screen.running
        await wait_for(pilot, lambda: running.progress and running.progress.phase == "writing", 60)
        await pilot.press("h")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "MainScreen")
        await wait_for(pilot, lambda: not running.running, seconds=120)
        replayed: list[int] = []
        real = JobProgressView.replay
        JobProgressView.replay = lambda view, events, ran_for: (  # type: ignore[method-assign]
            replayed.append(len(events)), real(view, events, ran_for)
        )
        try:
            await pilot.press("o")
            await wait_for(pilot, lambda: type(app.screen).__name__ == "OperationScreen")
            await wait_for(pilot, lambda: app.screen.finished)
            await settle(pilot)
        finally:
            JobProgressView.replay = real  # type: ignore[method-assign]
        assert app.screen.running is running and replayed == [len(running.history.replay())]
        assert replayed[0] >= 4, "the history, not only the last event"
        view = app.screen.query_one(JobProgressView)
        gauges = {g.id: g for g in view.query(BarGauge)}
        assert gauges["gauge-fifo"].value is not None and gauges["gauge-buffer"].value is not None
        assert "xD" in gauges["gauge-speed"].caption, "the last speed, in DVD units"
        assert view.query_one("#op-percent", Digits).value == "100%"
        assert sum("Writing:" in line for line in view.lines) >= 2
        assert len(view.samples) >= 3 and view.samples is running.samples
        text = screen_text(app)
        assert "speed history, 0 to" in text and "elapsed 0:00" not in text, text
