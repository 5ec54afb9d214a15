"""Pilot tests of inspection: session browser, extraction, boot info and surface scan."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Tree

from app.drives.virtual import create_recorder
from app.tui.app import DiscdeckApp
from app.tui.screens.browser_screen import BrowserScreen
from app.tui.screens.operation_screen import OperationScreen
from tests.conftest import make_image
from tests.ui.pilot import run_confirmed
from tests.ui.pilot import screen_text as _screen_text
from tests.ui.pilot import settle as _settle
from tests.ui.pilot import wait_for as _wait_for
from widgets.job.surface_map_view import SurfaceMapView


def _three_sessions() -> str:
    recorder = create_recorder("virtual-dvd")
    make_image(
        Path(recorder.image),
        [("VOL_S1", {"one.txt": b"first\n"}), ("VOL_S2", {"two.txt": b"second\n"}), "VOL_S3"],
        seed=4,
    )
    return recorder.address


async def _open_browser(pilot) -> tuple[BrowserScreen, Tree]:
    """i on the main screen, until the browser lists the session's root."""
    await pilot.press("i")
    await _settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, BrowserScreen)
    tree = screen.query_one("#browser-tree", Tree)
    await _wait_for(pilot, lambda: tree.root.children)
    return screen, tree


async def _boot_panel_text(pilot) -> str:
    """i then t: the boot panel of the open medium, as one line of words."""
    for key in ("i", "t"):
        await pilot.press(key)
        await _settle(pilot)
    return " ".join(_screen_text(pilot.app).split())


def _names(tree: Tree) -> list[str]:
    return [str(child.label).split(" ")[0] for child in tree.root.children]


async def test_each_session_shows_its_own_tree_and_extracts(tmp_path: Path, monkeypatch) -> None:
    _three_sessions()
    monkeypatch.chdir(tmp_path)
    app = DiscdeckApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        screen, tree = await _open_browser(pilot)
        assert _names(tree) == ["d1/", "d2/", "d3/"]  # the newest session has all three
        screen.open(screen.sessions[0])
        await _settle(pilot)
        await _wait_for(pilot, lambda: _names(tree) == ["d1/"])
        # Open /d1 and extract one.txt from session 1.
        tree.root.children[0].expand()
        await _settle(pilot)
        await _wait_for(pilot, lambda: tree.root.children[0].children)
        tree.move_cursor(tree.root.children[0].children[0])
        await pilot.pause(0.1)
        await pilot.press("x")
        await _wait_for(pilot, lambda: type(app.screen).__name__ == "PromptScreen")
        await pilot.press("enter")  # the default: ./extracted
        await _wait_for(pilot, lambda: isinstance(app.screen, OperationScreen))
        job_screen = app.screen
        await _wait_for(pilot, lambda: job_screen.finished)
        assert job_screen.results[-1].outcome == "ok"
    assert (tmp_path / "extracted" / "one.txt").read_bytes() == b"first\n"


async def test_surface_scan_draws_a_map() -> None:
    _three_sessions()
    app = DiscdeckApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        screen = await run_confirmed(pilot, "s")
        assert screen.results[-1].outcome == "ok", screen.results[-1].message
        view = screen.query_one(SurfaceMapView)
        assert view.surface.blocks_by_quality()["good"] > 0


async def test_boot_info_of_a_plain_image_says_not_bootable() -> None:
    _three_sessions()
    app = DiscdeckApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        await pilot.press("i")
        await _settle(pilot)
        await pilot.press("t")
        await _settle(pilot)
        assert type(app.screen).__name__ == "BootScreen"
        assert "not bootable" in " ".join(_screen_text(app).split())


async def test_boot_info_of_a_bios_efi_image(tmp_path: Path) -> None:
    from tests.services.test_eltorito import make_bootable

    image = make_bootable(tmp_path / "boot.iso")
    app = DiscdeckApp(address=f"stdio:{image}")
    async with app.run_test(size=(100, 30)) as pilot:
        await _settle(pilot)
        screen = await _boot_panel_text(pilot)
        assert "Catalog at sector" in screen
        assert "BIOS" in screen and "EFI" in screen
        assert "no emulation" in screen


async def test_remaster_from_the_browser(tmp_path: Path) -> None:
    """Mark /remove.me with d, stage a file, R writes a copy that keeps the boot entries."""
    from app.iso.eltorito import read_boot_catalog
    from tests.conftest import xorriso_run
    from tests.services.test_eltorito import make_bootable

    image = make_bootable(tmp_path / "install.iso")
    extra = tmp_path / "preseed.cfg"
    extra.write_text("answers\n")
    app = DiscdeckApp(address=f"stdio:{image}")
    async with app.run_test(size=(100, 30)) as pilot:
        await _settle(pilot)
        app.stage.add(str(extra), "/")
        await pilot.press("i")
        await _settle(pilot)
        screen = app.screen
        tree = screen.query_one("#browser-tree", Tree)
        await _wait_for(pilot, lambda: tree.root.children)
        target = next(n for n in tree.root.children if str(n.label).startswith("remove.me"))
        tree.move_cursor(target)
        await pilot.pause(0.1)
        await pilot.press("d")
        assert screen.removals == {"/remove.me"}
        await pilot.press("R")
        await _wait_for(pilot, lambda: type(app.screen).__name__ == "PromptScreen")
        await pilot.press("enter")  # the default: install-remastered.iso beside the source
        await _wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen")
        await pilot.press("y")
        await _wait_for(pilot, lambda: isinstance(app.screen, OperationScreen))
        job = app.screen
        await _wait_for(pilot, lambda: job.finished)
        assert job.results[-1].outcome == "ok", job.results[-1].message
    out = tmp_path / "install-remastered.iso"
    before, after = read_boot_catalog(str(image)), read_boot_catalog(str(out))
    assert before is not None and after is not None
    shape = [(e.platform, e.emulation, e.sector_count, e.bootable) for e in before.entries]
    assert [(e.platform, e.emulation, e.sector_count, e.bootable) for e in after.entries] == shape
    listing = xorriso_run("-indev", f"stdio:{out}", "-find", "/").stdout.decode()
    assert "'/preseed.cfg'" in listing and "remove.me" not in listing


async def test_the_browser_says_which_folder_and_file_are_damaged(tmp_path: Path) -> None:
    """A cut-off image: the root says the image is cut off, a folder whose records are
    gone says so under it, a file whose data is gone is marked, with the reason in its
    details."""
    from app.iso.view import open_session
    from tests.services.test_iso_damage import SECTOR, patched, written

    image = written(tmp_path)
    with open_session(str(image)) as view:
        big = view.stat("/docs/deep/b.bin").start_sector or 0
    cut = patched(image, "cut.iso", {}, cut=(big + 10) * SECTOR)
    app = DiscdeckApp(address=f"stdio:{cut}")
    async with app.run_test(size=(100, 30)) as pilot:
        await _settle(pilot)
        _screen, tree = await _open_browser(pilot)
        assert "⚠ damaged" in str(tree.root.label)
        assert str(tree.root.children[0].label).startswith("⚠ the image is cut off")
        docs = next(n for n in tree.root.children if str(n.label).startswith("docs/"))
        docs.expand()
        await _wait_for(pilot, lambda: docs.children)
        deep = next(n for n in docs.children if str(n.label).startswith("deep/"))
        deep.expand()
        await _wait_for(pilot, lambda: deep.children)
        (leaf,) = deep.children
        assert str(leaf.label) == "b.bin  ⚠ damaged"
        tree.move_cursor(leaf)
        await pilot.pause(0.2)
        text = " ".join(_screen_text(app).split())
        assert "Damaged its data at sector" in text and "lies past the end" in text
    with open_session(str(image)) as view:
        deep_sector = view.stat("/docs/deep").start_sector or 0
    records_cut = patched(image, "records-cut.iso", {}, cut=deep_sector * SECTOR)
    app = DiscdeckApp(address=f"stdio:{records_cut}")
    async with app.run_test(size=(100, 30)) as pilot:
        await _settle(pilot)
        await pilot.press("i")
        await _settle(pilot)
        tree = app.screen.query_one("#browser-tree", Tree)
        await _wait_for(pilot, lambda: tree.root.children)
        docs = next(n for n in tree.root.children if str(n.label).startswith("docs/"))
        docs.expand()
        await _wait_for(pilot, lambda: docs.children)
        deep = next(n for n in docs.children if str(n.label).startswith("deep/"))
        deep.expand()
        await _wait_for(pilot, lambda: deep.children)
        assert "⚠ damaged" in str(deep.label)
        assert str(deep.children[0].label).startswith("⚠ /docs/deep: its records at sector")


async def test_the_boot_panel_names_damage(tmp_path: Path) -> None:
    from tests.services.test_eltorito import make_bootable
    from tests.services.test_iso_damage import SECTOR, patched

    image = make_bootable(tmp_path / "boot.iso")
    data = image.read_bytes()
    brvd = next(n * SECTOR for n in range(17, 32) if data[n * SECTOR] == 0)
    catalog = int.from_bytes(data[brvd + 0x47 : brvd + 0x4B], "little") * SECTOR
    cases = {
        patched(image, "bad.iso", {catalog + 32: b"\x42\x07"}): [
            "? indicator 0x42",
            "unknown emulation 7",
            "⚠ default entry: boot indicator 0x42 is neither 0x88",
        ],
        patched(image, "past.iso", {brvd + 0x47: (10**6).to_bytes(4, "little")}): [
            "Damaged: the boot record points to a boot catalog at sector 1000000, past the end",
        ],
    }
    for damaged, words in cases.items():
        app = DiscdeckApp(address=f"stdio:{damaged}")
        async with app.run_test(size=(110, 30)) as pilot:
            await _settle(pilot)
            text = await _boot_panel_text(pilot)
            for word in words:
                assert word in text, text


async def test_the_boot_panel_shows_the_whole_boot_picture(tmp_path: Path) -> None:
    """Debian's ipxe.iso: ISOLINUX with boot-info-table and isohybrid, an EFI image, and
    an isohybrid MBR partition."""
    import pytest

    from tests.debian_boot import Unavailable, debian_boot_images

    try:
        image = debian_boot_images()["ipxe"]
    except Unavailable as exc:
        pytest.skip(f"real bootable images from Debian packages are not available: {exc}")
    app = DiscdeckApp(address=f"stdio:{image}")
    async with app.run_test(size=(110, 40)) as pilot:
        await _settle(pilot)
        text = await _boot_panel_text(pilot)
        for word in ("Catalog at sector 33 (/boot.cat)", "/isolinux.bin", "/efi.img",
                     "boot-info-table, isohybrid-suitable", "System area: MBR isohybrid cyl-align-on",
                     "0x17 hidden NTFS (isohybrid)"):  # fmt: skip
            assert word in text, (word, text)


@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
async def test_scan_result_shows_every_bad_range_and_says_the_verdict_once(
    size: tuple[int, int],
) -> None:
    """A scan with eleven bad ranges: the map, its legend and the bad ranges fit without
    scrolling (eight named, the rest counted); the verdict is the result line, once."""
    from app.engine.surface import Region, SurfaceMap, SurfaceResult
    from app.jobs.plans import Target, surface_plan
    from app.tui.messages import JobFinished

    regions = [Region(0, 10_000, "good", "good")]
    regions += [Region(10_000 + 100 * n, 10, "unreadable", "unreadable") for n in range(11)]
    surface = SurfaceMap(20_000, regions)
    app = DiscdeckApp()
    async with app.run_test(size=size) as pilot:
        await _settle(pilot)
        screen = OperationScreen(
            surface_plan(Target("stdio:/dev/null", "virtual-dvd")), autostart=False
        )
        await app.push_screen(screen)
        verdict = surface.summary_in_words()
        screen.post_message(JobFinished(SurfaceResult(
            kind="surface", outcome="ok", message=verdict, argv=[], returncode=0,
            worst="SORRY", surface=surface,
        )))  # fmt: skip
        await _wait_for(pilot, lambda: screen.query("#surface-map"))
        await pilot.pause(0.3)
        text = " ".join(_screen_text(app).replace("│", " ").split())  # the box's sides out
        assert "bad sectors: unreadable 10,000–10,009, 10,100–10,109," in text, text
        assert "10,700–10,709;" in text and "3 more" in text, text
        assert text.count("11 unreadable ranges, the first at block 10000") == 1, text
        assert screen.query_one("#op-progress").max_scroll_y == 0


async def test_a_long_volume_id_takes_one_row_in_the_sessions_at_60x20() -> None:
    """At 60 columns the sessions pane is 12 wide: "1  PHOTOS_1_of_1" folded over three rows."""
    recorder = create_recorder("virtual-dvd")
    make_image(Path(recorder.image), [("PHOTOS_1_of_1", {"a.txt": b"a\n"}), ("SECOND_SESSION", {"b": b"b"})], seed=4)
    app = DiscdeckApp(recorder.address)
    async with app.run_test(size=(60, 20)) as pilot:
        await _settle(pilot, need_report=True)
        screen, _tree = await _open_browser(pilot)
        sessions = screen.query_one("#browser-sessions")
        rows = ["".join(s.text for s in sessions.render_line(y)).strip() for y in range(3)]
        assert rows == ["1  PHOTOS_1…", "2  SECOND_S…", ""], rows
        assert "/  SECOND_SESSION" in _screen_text(app), "the whole volume id heads the tree"
