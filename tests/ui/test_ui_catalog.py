"""Pilot tests of the catalog and health screens, on a catalog made by real xorriso burns,
checkreads and surface scans of `stdio:` images (the finish step records each)."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from app.archive.catalog import Catalog, catalog_path
from app.engine.commands import BurnOptions, MapEntry
from app.engine.runner import base_argv
from app.jobs.finish import run_plan
from app.jobs.plan import Plan
from app.jobs.plans import Target, burn_plan, surface_plan
from app.tui.app import DiscdeckApp
from app.tui.screens.catalog_screen import CatalogScreen
from app.tui.screens.health_screen import HealthScreen
from tests.conftest import make_image, needs_xorriso
from tests.ui.pilot import answer_prompt, screen_text, settle, wait_for
from widgets.speed_graph import SpeedGraph

pytestmark = needs_xorriso


def slowed(plan: Plan, speed: str = "10d") -> Plan:
    """The plan read at `speed` (xorriso's own soft limit) with a pacifier line every 0.2 s:
    a stdio image read from the page cache ends before the first line otherwise, so the
    scan has a curve of several points, as a real drive's has."""
    n = len(base_argv())
    extra = ("-read_speed", f"soft_force:{speed}", "-pacifier", "interval=0.2")
    return replace(plan, argv=(*plan.argv[:n], *extra, *plan.argv[n:]))


def burn(tmp_path: Path, name: str, files: dict[str, bytes]) -> str:
    source = tmp_path / f"src-{name}"
    source.mkdir()
    for file, data in files.items():
        (source / file).write_bytes(data)
    address = f"stdio:{tmp_path / f'{name}.iso'}"
    done = run_plan(burn_plan(Target(address), [MapEntry(str(source), "/")], BurnOptions(volume_id=name)))
    assert done.ok and done.catalog_note and "catalogued" in done.catalog_note
    return address


@pytest.fixture
def photos(tmp_path: Path) -> str:
    """PHOTOS_2019: burned and checkread, then scanned twice at a (soft) 10x DVD."""
    address = burn(tmp_path, "PHOTOS_2019", {"beach.jpg": os.urandom(12 << 20), "notes.txt": b"n"})
    for speed in ("12d", "8d"):
        assert run_plan(slowed(surface_plan(Target(address)), speed)).ok
    return address


async def open_catalog(pilot) -> CatalogScreen:
    app = pilot.app
    await settle(pilot, need_report=True)
    await pilot.press("f")
    await wait_for(pilot, lambda: isinstance(app.screen, CatalogScreen))
    await settle(pilot)
    return app.screen


async def test_find_as_you_type_and_the_discs_health_history(photos: str, monkeypatch) -> None:
    import app.tui.screens.catalog_screen as screen_module

    searched: list[str] = []
    real = screen_module.search
    monkeypatch.setattr(screen_module, "search", lambda c, p: searched.append(p) or real(c, p))
    app = DiscdeckApp(photos)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_catalog(pilot)
        await pilot.press(*"beach")
        await wait_for(pilot, lambda: "/beach.jpg" in screen_text(app))
        await settle(pilot)
        assert searched == ["", "beach"], "one search per pause in the typing, not one per key"
        text = screen_text(app)
        assert "on PHOTOS_2019 (made " in text and "checked " in text and "ok" in text
        assert "3 check(s), the last" in text and "(surface, ok)" in text and "2 files" in text
        await pilot.press("enter", "enter")  # into the results, then open the disc's history
        await wait_for(pilot, lambda: isinstance(app.screen, HealthScreen))
        await settle(pilot)
        table = app.screen.query_one("#health-checks")
        assert table.row_count == 3
        assert [str(table.get_row_at(n)[1]) for n in range(3)] == ["surface scan", "surface scan", "checkread"]
        graph = app.screen.query_one(SpeedGraph)
        text = screen_text(app)
        assert "Read speed (x DVD) by position on the medium (MB)" in text, "the axes, in the title"
        assert "health: ok" in text
        await pilot.resize_terminal(60, 20)  # plotext dropped its x label here
        await settle(pilot)
        assert "Read speed (x DVD) by position on the medium (MB)" in screen_text(app)
        with Catalog() as catalog:
            (medium,) = catalog.media()
            scans = [c for c in catalog.checks(medium["id"]) if c["kind"] == "surface"]
        assert all(len(c["speeds"]) >= 3 and c["speed_unit"] == "xD" for c in scans), scans
        fast, slow = (sorted(s for _, s in c["speeds"])[len(c["speeds"]) // 2] for c in scans)
        assert 9 < fast < 15 and 6 < slow < 10, "xorriso's soft limits of 12x and 8x DVD"
        assert graph.plt is not None
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, CatalogScreen))


async def test_a_read_to_an_image_is_in_the_discs_health_history(tmp_path: Path) -> None:
    """R reads the disc to an image; its history then shows the read (newest first) beside
    the burn's checkread, as it shows a surface scan."""
    from app.tui.screens.operation_screen import OperationScreen

    address = burn(tmp_path, "LETTERS", {"letter.txt": b"dear", "big.bin": os.urandom(3 << 20)})
    app = DiscdeckApp(address)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, need_report=True)
        await answer_prompt(pilot, "R", str(tmp_path / "copy.iso"))
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen")
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, OperationScreen))
        await wait_for(pilot, lambda: app.screen.finished, seconds=60)
        assert [(r.kind, r.outcome) for r in app.screen.results] == [("read", "ok")]
        await pilot.press("escape")
        await open_catalog(pilot)
        await pilot.press(*"letter")
        await wait_for(pilot, lambda: "/letter.txt" in screen_text(app))
        await settle(pilot)
        assert "2 check(s), the last" in screen_text(app) and "(read, ok)" in screen_text(app)
        await pilot.press("enter", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, HealthScreen))
        await settle(pilot)
        table = app.screen.query_one("#health-checks")
        assert [str(table.get_row_at(n)[1]) for n in range(2)] == ["read", "checkread"]
        assert "health: ok" in screen_text(app)


async def test_an_empty_catalog_says_how_discs_get_in_and_imports_the_disc(tmp_path: Path) -> None:
    image = make_image(tmp_path / "old.iso", [("OLD_DISC", {"letter.txt": b"dear", "s.bin": 3000})])
    app = DiscdeckApp(f"stdio:{image}")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, need_report=True)
        await pilot.press("ctrl+p", *"Catalog")  # the command palette knows it too
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CatalogScreen))
        await settle(pilot)
        assert "The catalog is empty: discs get in when discdeck burns" in screen_text(app)
        assert not catalog_path().exists(), "looking at an empty catalog makes no file"
        await pilot.press("i")  # the results list has the focus: i imports at once
        await wait_for(pilot, lambda: "1 disc, 2 files catalogued" in screen_text(app))
        await pilot.press("slash", *"letter")
        await wait_for(pilot, lambda: "/d1/letter.txt" in screen_text(app))
        assert "1 file on 1 disc · enter" in screen_text(app), "said in the singular"
        assert "never checked" in screen_text(app)


async def test_export_to_a_chosen_file_never_overwrites_unasked(photos: str, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    app = DiscdeckApp(photos)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_catalog(pilot)
        await pilot.press("tab")
        await answer_prompt(pilot, "x", str(tmp_path / "out.txt"))
        assert "name the file .csv or .json" in screen_text(app)
        app.screen.query_one("#prompt-input").value = str(out)
        await pilot.press("enter")
        await wait_for(pilot, lambda: out.exists())
        rows = list(csv.DictReader(out.open()))
        assert {(r["volume_id"], r["path"]) for r in rows} == {("PHOTOS_2019", "/beach.jpg"), ("PHOTOS_2019", "/notes.txt")}
        out.write_text("mine\n")
        await answer_prompt(pilot, "x", str(out))
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen")
        await pilot.press("n")
        await settle(pilot)
        assert out.read_text() == "mine\n", "not replaced: the user said no"
        await answer_prompt(pilot, "x", str(out))
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen")
        await pilot.press("y")
        await wait_for(pilot, lambda: out.read_text().startswith("volume_id,"))
        await answer_prompt(pilot, "x", str(tmp_path / "all.json"))
        await wait_for(pilot, lambda: (tmp_path / "all.json").exists())
        exported = json.loads((tmp_path / "all.json").read_text())
        assert [m["volume_id"] for m in exported["media"]] == ["PHOTOS_2019"]
        assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


async def test_a_corrupt_catalog_is_one_line_and_left_as_it_is(tmp_path: Path) -> None:
    path = catalog_path()
    path.write_bytes(b"not a database, but someone's data " * 100)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    app = DiscdeckApp(f"stdio:{make_image(tmp_path / 'd.iso')}")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_catalog(pilot)
        await pilot.press(*"abc")
        await wait_for(pilot, lambda: "the catalog cannot be read (file is not a database)" in screen_text(app))
        await pilot.press("tab", "i")
        await wait_for(pilot, lambda: "cannot be read" in str([n.message for n in app._notifications]))
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before, "nothing lost"


async def test_a_locked_catalog_says_busy_and_works_once_free(photos: str) -> None:
    holder = sqlite3.connect(catalog_path())
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("UPDATE media SET last_address = last_address")
    app = DiscdeckApp(photos)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_catalog(pilot)
        await pilot.press(*"beach")
        await wait_for(pilot, lambda: "the catalog is busy" in screen_text(app))
        holder.rollback()
        holder.close()
        await pilot.press("backspace", "h")
        await wait_for(pilot, lambda: "/beach.jpg" in screen_text(app))


FTS_NAMES = ['he said "hi".txt', "NEAR(x) AND y.txt", "-minus^2.txt", "100%_done.txt", "a*b[1].txt"]


PATTERNS = [
    ('"hi"', 'he said "hi".txt'), ('"', 'he said "hi".txt'), ("NEAR(x) AND", "NEAR(x) AND y.txt"),
    ("-minus^", "-minus^2.txt"), ("%_", "100%_done.txt"), ("OR", None), ("[", None),
    ("a[*]b*", "a*b[1].txt"), ("*.txt", 'he said "hi".txt'), ("\x00", None),
]  # fmt: skip
"""(pattern, a file it finds or None): FTS5 syntax, LIKE and GLOB characters are plain text."""


async def test_fts_special_characters_are_plain_text(tmp_path: Path) -> None:
    address = burn(tmp_path, "ODD_NAMES", {name: b"x" for name in FTS_NAMES})
    app = DiscdeckApp(address)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_catalog(pilot)
        for pattern, found in PATTERNS:
            screen.query_one("#catalog-search").value = pattern
            await wait_for(pilot, lambda p=pattern: screen.shown.pattern == p)
            paths = [f.path for f in screen.shown.found]
            if found is None:
                assert paths == [] and "no catalogued file's path holds" in screen_text(app), pattern
            else:
                assert "/" + found in paths, pattern


@pytest.mark.parametrize("size", [(60, 20), (80, 24), (120, 40)], ids=["60x20", "80x24", "120x40"])
async def test_both_screens_fit_any_size(photos: str, size: tuple[int, int], monkeypatch) -> None:
    from tests.ui import test_any_size

    monkeypatch.setitem(test_any_size.PANES, "CatalogScreen", ["catalog-search", "catalog-results", "catalog-disc-box"])
    monkeypatch.setitem(test_any_size.PANES, "HealthScreen", ["health-disc", "health-checks-box", "health-graph-box"])
    app = DiscdeckApp(photos)
    async with app.run_test(size=size) as pilot:
        await open_catalog(pilot)
        await pilot.press(*"notes", "enter")
        await wait_for(pilot, lambda: "/notes.txt" in screen_text(app))
        test_any_size.assert_no_overlap(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, HealthScreen))
        await settle(pilot)
        test_any_size.assert_no_overlap(app)
        assert app.screen.query_one(SpeedGraph).region.height >= 6


async def test_a_checks_drive_is_named_by_its_recorder_at_80x24(tmp_path: Path) -> None:
    """The health table's last column showed "stdio:~/.local/shar" (the recorder image's
    path, cut) at 80 columns: a virtual recorder is named as the drive list names it."""
    from app.drives.virtual import create_recorder

    recorder = create_recorder("virtual-dvd")
    source = tmp_path / "src"
    source.mkdir()
    (source / "a.txt").write_bytes(b"a")
    target = Target(f"stdio:{recorder.image}")
    assert run_plan(burn_plan(target, [MapEntry(str(source), "/")], BurnOptions(volume_id="REC"))).ok
    app = DiscdeckApp(target.address)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_catalog(pilot)
        await pilot.press(*"a.txt")
        await wait_for(pilot, lambda: "/a.txt" in screen_text(app))
        await pilot.press("enter", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, HealthScreen))
        await wait_for(pilot, lambda: app.screen.query_one("#health-checks").row_count == 1)
        text = screen_text(app)
        assert "checkread  ok      0     0           virtual-dvd" in text, text
        assert "REC, made " in text and " · 1 file\n" in text
        assert "stdio:" not in text
