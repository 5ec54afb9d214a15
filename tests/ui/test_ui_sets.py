"""Pilot tests of disc sets in the app: a stage larger than the medium planned as a set,
burned disc by disc on a small virtual recorder (real xorriso), resumed after a restart of
the app; every disc checked with `sha256sum -c` on files xorriso -osirrox extracted."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

from app.archive.sets import load_set, plan_set, save_set
from app.drives.shelf import shelf_dir
from app.drives.virtual import create_recorder
from app.engine.inspect import read_medium
from app.jobs.set_burn import prepare_manifest
from app.tui.app import DiscdeckApp
from app.tui.screens.confirm_screen import ConfirmScreen
from app.tui.screens.operation_screen import OperationScreen
from app.tui.screens.prompt_screen import PromptScreen
from app.tui.screens.set_plan_screen import SetPlanScreen
from app.tui.screens.sets_screen import SetsScreen
from tests.conftest import needs_xorriso
from tests.ui.pilot import screen_text, settle, stage, wait_for
from widgets.drive_list import DriveList

MB = 1_000_000
HOSTILE = 'it\'s a "name" $(x) [b].txt'
RAW = b"new\nline \\ back \xff.txt"
"""sha256sum escapes a newline and a backslash; the \\xff byte is not UTF-8."""


def make_data(root: Path) -> Path:
    """A folder that fits one 10 MB disc, and a file no disc holds (cut in two)."""
    for name, size in {"trip/a.bin": 3 * MB, "trip/sub/b.bin": 2 * MB, "big.bin": 7 * MB}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(os.urandom(size))
    (root / "trip" / HOSTILE).write_text("hello\n")
    with open(os.fsencode(root / "trip" / "sub") + b"/" + RAW, "wb") as handle:
        handle.write(b"raw\n")
    return root


async def _finish_job(pilot, previous: object = None) -> OperationScreen:
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, OperationScreen) and app.screen is not previous)
    screen = app.screen
    await wait_for(pilot, lambda: screen.finished, seconds=120)
    assert [r.outcome for r in screen.results] == ["ok", "ok"], screen_text(app)
    return screen


async def _plan_from_the_burn(pilot, name: str) -> None:
    """b on a stage too big for the medium offers a set; name it, take the recorder's medium."""
    app = pilot.app
    await pilot.press("b")
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
    assert "larger than the medium" in screen_text(app)
    await pilot.press("y")
    await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen) and app.screen.query("#prompt-input"))
    app.screen.query_one("#prompt-input").value = name
    await pilot.press("enter")
    await wait_for(pilot, lambda: type(app.screen).__name__ == "ChoiceScreen")
    assert "10 MB — the medium of small" in screen_text(app)
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, SetPlanScreen))


def _check_discs(tmp_path: Path, images: list[Path], data: Path) -> None:
    """Each disc by itself checks with sha256sum -c; all of them together rebuild big.bin."""
    together = tmp_path / "together"
    for image in images:
        out = tmp_path / f"x-{image.stem}"
        out.mkdir()
        subprocess.run(["xorriso", "-osirrox", "on", "-indev", f"stdio:{image}", "-extract", "/", str(out)],
                       check=True, capture_output=True)  # fmt: skip
        check = subprocess.run(["sha256sum", "-c", "--ignore-missing", "SHA256SUMS"], cwd=out,
                               capture_output=True, text=True, errors="replace")  # fmt: skip
        assert check.returncode == 0 and "OK" in check.stdout, check.stdout + check.stderr
        subprocess.run(["cp", "-a", "--", f"{out}/.", str(together)], check=True)
    parts = sorted(together.glob("big.bin.part*"))
    assert [p.name for p in parts] == ["big.bin.part1of2", "big.bin.part2of2"]
    joined = b"".join(p.read_bytes() for p in parts)
    assert hashlib.sha256(joined).digest() == hashlib.sha256((data / "big.bin").read_bytes()).digest()
    (together / "big.bin").write_bytes(joined)
    assert (together / "trip" / HOSTILE).read_text() == "hello\n"
    with open(os.fsencode(together / "trip" / "sub") + b"/" + RAW, "rb") as handle:
        assert handle.read() == b"raw\n"
    strict = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=together, capture_output=True, text=True, errors="replace")
    assert strict.returncode == 0, strict.stdout + strict.stderr  # every file, big.bin joined too


@needs_xorriso
async def test_a_set_planned_from_the_stage_burns_disc_by_disc_and_resumes_after_a_restart(
    tmp_path: Path,
) -> None:
    recorder = create_recorder("small", "10 MB")
    data = make_data(tmp_path / "data")
    app = DiscdeckApp(recorder.address)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, need_report=True)
        stage(app, str(data / "trip"))
        stage(app, str(data / "big.bin"))
        await _plan_from_the_burn(pilot, "TRIP")
        text = screen_text(app)
        assert "3 × 10 MB" in text and "TRIP_1_OF_3" in text and "part 1 of 2" in text
        assert not (Path(os.environ["XDG_DATA_HOME"]) / "discdeck" / "sets" / "TRIP.json").exists()
        await pilot.press("y")  # hash, save, burn disc 1
        first = await _finish_job(pilot)
        assert first.plan.title.startswith("Burning disc 1 of 3 of TRIP")
        await pilot.press("enter")  # the recorder takes a new blank by itself: disc 2
        await _finish_job(pilot, first)
        await wait_for(pilot, lambda: [d.state for d in load_set("TRIP").discs] == ["burned", "burned", "planned"])
        main = next(s for s in app.screen_stack if type(s).__name__ == "MainScreen")
        drives = main.query_one(DriveList)  # disc 1 went on the shelf: listed without a d
        await wait_for(pilot, lambda: [e.detail.startswith("on the shelf") for e in drives.entries] == [False, True])
    # Quit in the middle of the set; the app started again shows it as resumable.
    app = DiscdeckApp(recorder.address)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, need_report=True)
        await pilot.press("S")
        await wait_for(pilot, lambda: isinstance(app.screen, SetsScreen) and app.screen.summaries)
        text = screen_text(app)
        assert "2 of 3" in text and "resumable: disc 3 next" in text
        await pilot.press("r")  # the recorder holds disc 2: onto the shelf with it (asked)
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "holds TRIP_2_OF_3" in screen_text(app)
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen) and "Burn disc 3" in screen_text(app))
        await pilot.press("y")
        await _finish_job(pilot)
        await pilot.press("enter")
        await wait_for(pilot, lambda: all(d.state == "burned" for d in load_set("TRIP").discs))
        await wait_for(pilot, lambda: isinstance(app.screen, SetsScreen) and "complete" in screen_text(app))
    images = [*sorted(shelf_dir().glob("small-*.iso"), key=lambda p: p.stat().st_mtime), Path(recorder.image)]
    assert len(images) == 3
    _check_discs(tmp_path, images, data)


async def test_hostile_set_names_and_a_file_that_vanished_are_said_in_one_line(tmp_path: Path) -> None:
    recorder = create_recorder("small", "10 MB")
    data = make_data(tmp_path / "data")
    app = DiscdeckApp(recorder.address)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, need_report=True)
        stage(app, str(data / "trip"))
        stage(app, str(data / "big.bin"))
        app.action_plan_set()
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen) and app.screen.query("#prompt-input"))
        for bad in ["my/set", 'it\'s "x"', "../../etc", "A" * 21, "", "$(rm -rf x)"]:
            app.screen.query_one("#prompt-input").value = bad
            await pilot.press("enter")
            await pilot.pause(0.1)
            assert isinstance(app.screen, PromptScreen), f"{bad!r} was taken as a set name"
            assert "cannot name a set" in screen_text(app)
        partly = plan_set("HALF", "10 MB", [str(data / "trip")])
        partly.discs[0].state = "burned"
        save_set(partly)  # a set of that name, partly burned: not planned over
        app.screen.query_one("#prompt-input").value = "HALF"
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert isinstance(app.screen, PromptScreen) and "partly burned" in screen_text(app)
        app.screen.query_one("#prompt-input").value = "TRIP"
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ChoiceScreen")
        await pilot.press("end", "enter")  # another size
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen) and app.screen.query("#prompt-input"))
        app.screen.query_one("#prompt-input").value = "12 parsecs"
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert "unknown medium" in screen_text(app)
        app.screen.query_one("#prompt-input").value = "10 mb"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SetPlanScreen))
        (data / "trip" / "a.bin").unlink()  # between the plan and its confirmation
        await pilot.press("y")
        await wait_for(pilot, lambda: "vanished since the plan was made" in screen_text(app))
        assert not (Path(os.environ["XDG_DATA_HOME"]) / "discdeck" / "sets" / "TRIP.json").exists()
        await pilot.press("escape")
        # A saved set whose file vanished before its disc is burned: refused, nothing written.
        (data / "trip" / "a.bin").write_bytes(os.urandom(3 * MB))
        plan = plan_set("LATER", "10 MB", [str(data / "trip"), str(data / "big.bin")])
        prepare_manifest(plan)
        save_set(plan)
        Path(plan.discs[0].items[0].disk).unlink()
        app.action_sets()
        await wait_for(pilot, lambda: isinstance(app.screen, SetsScreen) and app.screen.summaries)
        await pilot.press("down", "r")  # HALF, then LATER
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await wait_for(pilot, lambda: "Cannot burn disc 1 of 3" in screen_text(app))  # drawn
        text = screen_text(app)
        assert "Cannot burn disc 1 of 3" in text and "vanished since the set was planned" in text
    assert read_medium(recorder.address).toc.media.status == "blank"
    assert [d.state for d in load_set("LATER").discs] == ["planned"] * 3


async def _start_set(pilot, name: str) -> None:
    """Plan the staged set from the palette's action, take the recorder's medium, confirm."""
    app = pilot.app
    app.action_plan_set()
    await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen) and app.screen.query("#prompt-input"))
    app.screen.query_one("#prompt-input").value = name
    await pilot.press("enter")
    await wait_for(pilot, lambda: type(app.screen).__name__ == "ChoiceScreen")
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, SetPlanScreen))
    await pilot.press("y")


@needs_xorriso
async def test_a_set_disc_burning_when_the_app_quits_is_recorded_by_the_app_started_again(
    tmp_path: Path,
) -> None:
    recorder = create_recorder("small", "10 MB")
    data = make_data(tmp_path / "data")
    app = DiscdeckApp(recorder.address)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, need_report=True)
        stage(app, str(data / "trip"))
        stage(app, str(data / "big.bin"))
        app.stage.options.speed = "1d"  # ~4 s a disc: time to quit in the middle
        await _start_set(pilot, "MID")
        await wait_for(pilot, lambda: isinstance(app.screen, OperationScreen) and len(app.screen.samples) >= 2)
        await pilot.press("ctrl+c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "CONTINUE in the background" in screen_text(app)
        await pilot.press("y")
    assert load_set("MID").discs[0].state == "planned", "recorded before its burn ended"
    app = DiscdeckApp(recorder.address)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, OperationScreen) and app.screen.finished, 120)
        assert app.screen.title_text.startswith("Re-attached")
        await wait_for(pilot, lambda: load_set("MID").discs[0].state == "burned")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("S")
        await wait_for(pilot, lambda: isinstance(app.screen, SetsScreen) and "1 of 3" in screen_text(app))
        assert "resumable: disc 2 next" in screen_text(app)


async def test_a_name_that_is_not_utf8_is_shown_as_elsewhere_on_the_plan_at_60x20(tmp_path: Path) -> None:
    """The plan's contents said `caf\\udce9-latin1.txt` (Python's surrogate) where the stage
    and the browser say `caf\\xe9-latin1.txt`."""
    recorder = create_recorder("small", "10 MB")
    raw = os.fsencode(tmp_path) + b"/caf\xe9-latin1.txt"
    with open(raw, "wb") as handle:
        handle.write(b"z")
    app = DiscdeckApp(recorder.address)
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot, need_report=True)
        stage(app, os.fsdecode(raw))
        app.action_plan_set()
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen) and app.screen.query("#prompt-input"))
        app.screen.query_one("#prompt-input").value = "LATIN"
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ChoiceScreen")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SetPlanScreen))
        await settle(pilot)
        text = screen_text(app)
        assert "caf\\xe9-latin1.txt" in text and "udce9" not in text, text
