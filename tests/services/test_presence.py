"""A drive that goes away: the check (app.drives.presence.drive_gone) and a job whose
virtual recorder's image is removed mid-burn, which ends failed, saying so, journalled."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from app.drives.presence import GONE, drive_gone
from app.drives.shelf import add_recorder, remove_recorder
from app.engine.commands import MapEntry
from app.engine.options import BurnOptions
from app.engine.progress import Progress
from app.jobs.finish import Hooks, run_plan
from app.jobs.plans import Target, burn_plan
from tests.conftest import needs_xorriso

SLOW = BurnOptions(volume_id="GONE", speed="2d", pacifier_interval=0.5)


def test_drive_gone_knows_files_and_devices(tmp_path: Path) -> None:
    image = tmp_path / "disc.iso"
    image.write_bytes(b"")
    assert not drive_gone(f"stdio:{image}")
    image.unlink()
    assert drive_gone(f"stdio:{image}")
    assert drive_gone("/dev/sr97")  # no such node
    assert not drive_gone("/dev/null")  # a character device sysfs does not name: there


def _big_source(tmp_path: Path) -> Path:
    source = tmp_path / "src"
    source.mkdir()
    (source / "big.bin").write_bytes(os.urandom(24 << 20))  # ~9 s at 2x DVD
    return source


def _burn_and_pull(address: str, source: Path, pull) -> object:
    """Burn slowly to `address`; `pull()` once the write is under way."""
    pulled = threading.Event()

    def progress(event: Progress) -> None:
        if event.phase == "writing" and (event.percent or 0) > 5 and not pulled.is_set():
            pulled.set()
            pull()

    plan = burn_plan(Target(address), [MapEntry(str(source), "/")], SLOW)
    done = run_plan(plan, Hooks(progress=progress))
    assert pulled.is_set(), "the burn ended before the drive could be taken away"
    return done


@needs_xorriso
def test_a_recorder_whose_image_is_removed_mid_burn_fails_saying_the_drive_went_away(
    tmp_path: Path,
) -> None:
    recorder = add_recorder("leaving", "DVD 4.7 GB")
    done = _burn_and_pull(recorder.address, _big_source(tmp_path), lambda: os.unlink(recorder.image))
    assert done.gone and not done.ok
    last = done.results[-1]
    assert last.outcome == "failed" and last.message.startswith(GONE), last.message
    assert f"result: {GONE}" in Path(last.journal).read_text(errors="replace")
    assert done.state and GONE in done.state


@needs_xorriso
def test_a_recorder_removed_from_the_shelf_mid_burn_ends_the_job(tmp_path: Path) -> None:
    recorder = add_recorder("shelved", "DVD 4.7 GB")
    done = _burn_and_pull(recorder.address, _big_source(tmp_path), lambda: remove_recorder("shelved"))
    assert done.gone and done.results[-1].outcome == "failed"
    assert GONE in done.results[-1].message


def test_a_drive_asked_is_gone_only_when_it_says_so(tmp_path) -> None:
    """TEST UNIT READY: a node that is not there is gone; asking is only done on request
    (a job's drive is asked once the job has let go of it)."""
    from app.engine.sgio import test_unit_ready as ask  # the SG_IO probe, for this test only

    assert ask(str(tmp_path / "sr9")) == "gone"
    assert drive_gone(str(tmp_path / "sr9"), ask_drive=True)
