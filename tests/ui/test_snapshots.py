"""SVG snapshots of the main screen on a three-session virtual recorder.

Volatile values are pinned by configuration: a fixed data folder (so paths match), the
recorder's nominal capacity (not the host disk's free space), deterministic image content.
The SVGs are copied to screenshots/ by scripts/update-screenshots.sh.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.drives.virtual import create_recorder
from app.tui.app import DiscdeckApp
from tests.conftest import make_image
from tests.ui.pilot import settle as _settle

PINNED_HOME = Path("/tmp/discdeck-snapshots")


@pytest.fixture
def pinned_recorder(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The fixed folder is shared by every test run on the machine: hold a lock on it."""
    with open("/tmp/discdeck-snapshots.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield _pinned_recorder(monkeypatch)


def _pinned_recorder(monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.rmtree(PINNED_HOME, ignore_errors=True)
    for var, sub in (
        ("XDG_DATA_HOME", "data"),
        ("XDG_STATE_HOME", "state"),
        ("XDG_CONFIG_HOME", "config"),
    ):
        (PINNED_HOME / sub).mkdir(parents=True)
        monkeypatch.setenv(var, str(PINNED_HOME / sub))
    recorder = create_recorder("virtual-dvd")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # xorriso's own dates, pinned
    make_image(Path(recorder.image), ["VOL_S1", "VOL_S2", "VOL_S3"], seed=3, mtime=1_700_000_000)
    return Path(recorder.image)


async def _read(pilot) -> None:
    await _settle(pilot, need_report=True)


@pytest.mark.parametrize("size", [(60, 20), (80, 24), (120, 40)], ids=["60x20", "80x24", "120x40"])
def test_main_screen(snap_compare, pinned_recorder: Path, size: tuple[int, int]) -> None:
    assert snap_compare(DiscdeckApp(), terminal_size=size, run_before=_read)


def test_help_screen(snap_compare, pinned_recorder: Path) -> None:
    async def open_help(pilot) -> None:
        await _settle(pilot, need_report=True)
        await pilot.press("question_mark")
        await pilot.pause(0.2)

    assert snap_compare(DiscdeckApp(), terminal_size=(80, 24), run_before=open_help)


PINNED_MTIME = 1_700_000_000  # 2023-11-14 (UTC)


@pytest.fixture
def pinned_home(pinned_recorder: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """HOME with a few files of known sizes and dates (in UTC), a hostile name among them."""
    home = PINNED_HOME / "home"
    (home / "photos").mkdir(parents=True)
    (home / "Music").mkdir()
    (home / "photos" / "summer.raw").write_bytes(bytes(3 * 1024 * 1024))
    (home / "photos" / "winter.raw").write_bytes(bytes(2 * 1024 * 1024))
    (home / "notes.txt").write_text("burn me\n")
    (home / "report.pdf").write_bytes(bytes(1_234_567))
    (home / ".bashrc").write_text("")
    with open(os.fsencode(home) + b"/caf\xe9 (latin-1).txt", "wb") as handle:
        handle.write(b"x" * 2048)
    for folder, subdirs, files in os.walk(os.fsencode(home), topdown=False):
        for name in [*subdirs, *files]:
            os.utime(os.path.join(folder, name), (PINNED_MTIME, PINNED_MTIME))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield home
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_stage_screen(snap_compare, pinned_home: Path, size: tuple[int, int]) -> None:
    """The stage: the local browser at home (one entry marked) and the disc's tree of known
    sizes; the fit bar shows xorriso's exact forecast."""

    async def stage_it(pilot) -> None:
        await _settle(pilot, need_report=True)
        pilot.app.stage.add(str(pinned_home / "photos"), "/")
        pilot.app.stage.add(str(pinned_home / "notes.txt"), "/docs")
        for _ in pilot.app.stage.scan("/"):
            pass
        await pilot.press("a")
        await _settle(pilot, need_report=True)
        await pilot.press("down", "down", "space")
        await pilot.pause(0.5)
        await _settle(pilot, need_report=True)

    assert snap_compare(DiscdeckApp(), terminal_size=size, run_before=stage_it)


def test_burn_screen_mid_burn(snap_compare, pinned_recorder: Path) -> None:
    """The burn screen fed the recorded pacifier lines of a real 8x stdio: burn."""
    from app.engine.options import BurnOptions
    from app.engine.progress import ProgressTracker
    from app.jobs.plans import Target, burn_plan
    from app.tui.messages import JobProgress
    from app.tui.screens.operation_screen import OperationScreen
    from tests.conftest import fixture_text

    lines = [
        line
        for line in fixture_text("rec-commit-pacifier.all.txt").splitlines()
        if "Writing:" in line or line.startswith("Image size")
    ]

    async def mid_burn(pilot) -> None:
        await _settle(pilot, need_report=True)
        plan = burn_plan(Target("stdio:/dev/null", "virtual-dvd"), [], BurnOptions())
        screen = OperationScreen(plan, autostart=False)
        await pilot.app.push_screen(screen)
        tracker = ProgressTracker(started=0.0)
        tracker.feed("Image size   : 14710s", 0.0)
        for second, line in enumerate(lines[:5], start=1):
            progress = tracker.feed(line, float(second))
            if progress is not None:
                screen.samples.append((progress.speed, progress.buffer))
                screen.post_message(JobProgress(progress))
                await pilot.pause(0.05)
        from widgets.job.history_graph import HistoryGraph

        screen.query_one(HistoryGraph).redraw(screen.samples)  # normally every few seconds
        await pilot.pause(0.2)

    assert snap_compare(DiscdeckApp(), terminal_size=(80, 24), run_before=mid_burn)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_browser_screen(snap_compare, pinned_recorder: Path, size: tuple[int, int]) -> None:
    """The session browser on the newest session, a file highlighted with its details."""

    async def browse(pilot) -> None:
        await _settle(pilot, need_report=True)
        await pilot.press("i")
        await _settle(pilot, need_report=True)
        await pilot.press("down", "enter")  # open /d1
        await _settle(pilot, need_report=True)
        await pilot.press("down")  # the file in /d1
        await _settle(pilot, need_report=True)

    assert snap_compare(DiscdeckApp(), terminal_size=size, run_before=browse)


def test_boot_panel(snap_compare, pinned_recorder: Path) -> None:
    """The El Torito panel of a BIOS+EFI image (sector numbers depend only on content)."""
    from tests.services.test_eltorito import make_bootable

    image = make_bootable(PINNED_HOME / "boot.iso")

    async def open_panel(pilot) -> None:
        await _settle(pilot, need_report=True)
        from app.tui.screens.boot_screen import BootScreen

        await pilot.app.push_screen(BootScreen(f"stdio:{image}"))
        await pilot.pause(0.5)
        await _settle(pilot, need_report=True)

    assert snap_compare(DiscdeckApp(), terminal_size=(80, 24), run_before=open_panel)


def test_scan_map(snap_compare, pinned_recorder: Path) -> None:
    """A surface scan result with a slow stretch, unreadable blocks and an MD5 mismatch,
    from the recorded -check_media report of tests/test_surface.py."""
    from app.engine.surface import SurfaceResult, parse_surface_map
    from app.jobs.plans import Target, surface_plan
    from app.tui.messages import JobFinished, JobProgress
    from app.tui.screens.operation_screen import OperationScreen
    from tests.engine.test_surface import RECORDED

    surface = parse_surface_map(RECORDED)

    async def scanned(pilot) -> None:
        await _settle(pilot, need_report=True)
        plan = surface_plan(Target("stdio:/dev/null", "virtual-dvd"))
        screen = OperationScreen(plan, autostart=False)
        await pilot.app.push_screen(screen)
        from app.engine.progress import Progress

        screen.post_message(JobProgress(Progress(phase="done", percent=100.0)))
        result = SurfaceResult(
            kind="surface", outcome="ok", message=surface.summary_in_words(), argv=[],
            returncode=0, worst="SORRY", surface=surface,
        )  # fmt: skip
        screen.post_message(JobFinished(result))
        await pilot.pause(0.3)

    assert snap_compare(DiscdeckApp(), terminal_size=(80, 24), run_before=scanned)


PINNED_JOURNAL = """\
# discdeck journal: burn
started: 2023-11-14 22:13:20 +0000
argv: ["xorriso", "-no_rc", "-dev", "stdio:/tmp/discdeck-snapshots/data/discdeck/recorders/virtual-dvd.iso", "-volid", "ОТЧЁТЫ", "-map", "/home/ольга/Документы/Отчёт за март.txt", "/Отчёт за март.txt", "-map", "/home/ольга/my photos", "/my photos", "-commit"]
command: xorriso -no_rc -dev stdio:/tmp/discdeck-snapshots/data/discdeck/recorders/virtual-dvd.iso -volid ОТЧЁТЫ -map '/home/ольга/Документы/Отчёт за март.txt' '/Отчёт за март.txt' -map '/home/ольга/my photos' '/my photos' -commit

    0.051 I xorriso : NOTE : Loading ISO image tree from LBA 0
    0.052 I Drive current: -dev 'stdio:/tmp/discdeck-snapshots/data/discdeck/recorders/virtual-dvd.iso'
    0.052 I Media current: stdio file, overwriteable
    0.052 I Media status : is written , is appendable
    0.310 I xorriso : UPDATE : Writing:      32s    14.3%   fifo 100%  buf  50%
    0.820 I xorriso : UPDATE : Writing:     224s   100.0%   fifo   0%  buf  50%
    0.901 I ISO image produced: 192 sectors
    0.902 I Written to medium : 224 sectors at LBA 448
    0.903 I Writing to 'stdio:/tmp/discdeck-snapshots/data/discdeck/recorders/virtual-dvd.iso' completed successfully.

exit status: 0
worst severity: NOTE
outcome: ok
result: written: 224 sectors (0.4 MiB) at LBA 448
finished: 2023-11-14 22:13:21 +0000
medium after: appendable, 4 session(s)
"""


@pytest.mark.parametrize("size", [(60, 20), (80, 24), (120, 40)], ids=["60x20", "80x24", "120x40"])
def test_journal_screen(snap_compare, pinned_recorder: Path, size: tuple[int, int]) -> None:
    """A burn journal with Cyrillic names: its argv as shell words, wrapped at the pane's
    width; shown from its end (the result), at 80x24 scrolled to its top (the argv); below
    80 columns the list goes above it."""
    folder = PINNED_HOME / "state" / "discdeck" / "journal"
    folder.mkdir(parents=True)
    (folder / "20231114-221300-check.log").write_text(
        PINNED_JOURNAL.replace("outcome: ok", "outcome: failed")
    )
    (folder / "20231114-221320-burn.log").write_text(PINNED_JOURNAL)

    async def open_journal(pilot) -> None:
        await _settle(pilot, need_report=True)
        await pilot.press("j")
        await _settle(pilot)
        if size == (80, 24):
            await pilot.press("tab", "home")  # into the journal, to its top
        await pilot.pause(0.3)

    assert snap_compare(DiscdeckApp(), terminal_size=size, run_before=open_journal)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_confirm_screen(snap_compare, pinned_home: Path, size: tuple[int, int]) -> None:
    """The burn confirmation with its exact command shown (c)."""

    async def confirm(pilot) -> None:
        await _settle(pilot, need_report=True)
        pilot.app.stage.add(str(pinned_home / "notes.txt"), "/docs")
        for _ in pilot.app.stage.scan("/"):
            pass
        await pilot.press("b")
        await _settle(pilot, need_report=True)
        await pilot.press("c")
        await pilot.pause(0.5)

    app = DiscdeckApp()
    app.notify = lambda *args, **kwargs: None  # a toast, come and gone at its own pace
    assert snap_compare(app, terminal_size=size, run_before=confirm)


def _pinned_catalog(recorder: Path) -> None:
    """The recorder's disc and a set's disc in the catalog, with three pinned checks of the
    first: a scan when new, a checkread, and a scan that reads slower towards the outer
    edge with slow blocks (so the disc is flagged). The scans are fed as xorriso's pacifier
    lines in the shape a DVD drive prints them (CAV: faster outwards), through the same
    parser and recorder as a live scan."""
    from app.archive.catalog import Catalog
    from app.archive.record import catalog_medium, speed_curve
    from app.engine.inspect import read_medium
    from app.engine.progress import ProgressTracker

    def scan(speed) -> list:
        tracker = ProgressTracker(started=0.0)
        total = 2_294_912
        lines = [f"{n * total // 40} of {total} blocks read in {n} s , {speed(n / 40):.1f}xD" for n in range(1, 41)]
        return [event for n, line in enumerate(lines) if (event := tracker.feed(line, float(n)))]

    second = make_image(PINNED_HOME / "family-2.iso", [("FAMILY_2_OF_3", {"s1.bin": 4096, "tax.pdf": 9000})], seed=5)
    with Catalog() as catalog:
        medium, _ = catalog_medium(catalog, f"stdio:{recorder}", read_medium(f"stdio:{recorder}"))
        other, _ = catalog_medium(catalog, f"stdio:{second}", read_medium(f"stdio:{second}"))
        catalog.set_membership(other, "FAMILY", 2, 3)
        new = speed_curve(scan(lambda x: 6.0 + 10.0 * x))
        old = speed_curve(scan(lambda x: (6.0 + 10.0 * x) * (0.35 if 0.62 < x < 0.8 else 0.9)))
        for at, kind, curve, slow in (
            ("2024-03-02 10:15:00", "surface", new, 0),
            ("2025-03-09 18:40:00", "check", None, 0),
            ("2026-11-14 22:13:20", "surface", old, 1504),
        ):
            catalog.record_check(
                medium, drive="/dev/sr0", kind=kind, result="ok", message="", slow=slow,
                speeds=curve.points if curve else None, speed_unit=curve and curve.unit,
                total_blocks=curve and curve.total,
            )  # fmt: skip
            catalog.db.execute("UPDATE checks SET at=? WHERE id=(SELECT max(id) FROM checks)", (at,))
            catalog.db.commit()


async def _searched(pilot, pattern: str) -> None:
    """Until the search for `pattern` is on screen (its worker runs after a typing pause)."""
    for _ in range(200):
        if getattr(pilot.app.screen, "shown", None) and pilot.app.screen.shown.pattern == pattern:
            break
        await pilot.pause(0.05)
    await _settle(pilot)


def test_catalog_screen(snap_compare, pinned_recorder: Path) -> None:
    """'s1' typed: the file on two discs, one of a set, one to copy now (its details below)."""
    _pinned_catalog(pinned_recorder)
    assert snap_compare(DiscdeckApp(), terminal_size=(80, 24), run_before=_found)


async def _found(pilot) -> None:
    """The catalog screen with 's1' searched."""
    await _settle(pilot, need_report=True)
    await pilot.press("f")
    await _settle(pilot)
    await pilot.press("s", "1")
    await _searched(pilot, "s1")


async def _history(pilot) -> None:
    """The flagged disc's health history, reached from the catalog's search for 's1'."""
    await _found(pilot)
    await pilot.press("enter", "enter")
    await pilot.pause(0.3)
    await _settle(pilot)


def test_health_screen(snap_compare, pinned_recorder: Path) -> None:
    """The flagged disc's history: three checks, two read-speed curves over the medium."""
    _pinned_catalog(pinned_recorder)
    assert snap_compare(DiscdeckApp(), terminal_size=(80, 24), run_before=_history)


def test_health_screen_60x20(snap_compare, pinned_recorder: Path) -> None:
    """At 60 columns both axes are still named (in the graph's title: plotext dropped its
    x label there) and the drive column names the recorder, not its image's path."""
    _pinned_catalog(pinned_recorder)
    assert snap_compare(DiscdeckApp(), terminal_size=(60, 20), run_before=_history)
def test_slots_screen(snap_compare, pinned_recorder: Path) -> None:
    """The jukebox's slots at 80x24, from the lab's recorded `mtx status` (slot 2 loaded)."""
    # here: the screen and the recorded reader only for this snapshot
    from app.tui.screens.slots_screen import SlotsScreen
    from tests.ui.test_ui_jukebox import recorded

    async def open_slots(pilot) -> None:
        await _read(pilot)
        screen = SlotsScreen(reader=recorded("lab-mtx-status-loaded.txt"))
        await pilot.app.push_screen(screen)
        for _ in range(100):
            if screen.status is not None:
                break
            await pilot.pause(0.05)
        await _settle(pilot)

    assert snap_compare(DiscdeckApp(), terminal_size=(80, 24), run_before=open_slots)


def test_drive_list_with_two_jobs(snap_compare, pinned_recorder: Path) -> None:
    """Two recorders marked and each running a job: the states as the registry words them,
    pinned (live percentages would differ run to run)."""
    from widgets.drive_list import DriveList

    other = create_recorder("virtual-cd", "CD 700 MB")

    async def two_jobs(pilot) -> None:
        await _read(pilot)
        drives = pilot.app.screen.query_one(DriveList)
        drives.focus()
        for index in range(len(drives.entries)):
            drives.highlighted = index
            await pilot.press("space")
        addresses = [entry.address for entry in drives.entries]
        assert other.address in addresses
        pilot.app.screen.show_job_states(dict(zip(addresses, ["burning 43 %", "verifying 12 %"], strict=False)))
        await pilot.pause(0.2)

    assert snap_compare(DiscdeckApp(), terminal_size=(80, 24), run_before=two_jobs)
