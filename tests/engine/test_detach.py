"""Detached burns survive the UI: SIGHUP to the CLI, SIGKILL of the reader, busy drives,
cancel through the wrapper, and re-attach in the app. Real xorriso on stdio: images,
throttled with -speed 2d so a burn lasts a few seconds."""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from app.engine.commands import BurnOptions, MapEntry
from app.engine.detach import DetachedProcess, DriveBusy, check_free, lock_path, running_dir
from app.engine.inspect import read_medium
from app.engine.progress import ProgressTracker
from app.jobs.plans import Target, burn_plan
from app.jobs.reattach import attach, running_operations
from app.jobs.start import start_burn
from tests.conftest import needs_xorriso

ROOT = Path(__file__).resolve().parents[2]
SLOW = BurnOptions(volume_id="DETACH", speed="2d", pacifier_interval=0.5)
pytestmark = needs_xorriso


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("detach-src")
    (src / "random.bin").write_bytes(os.urandom(24 * 2**20))
    (src / "small.txt").write_text("hello\n")
    return src


def _wait(predicate, timeout: float = 90.0, what: str = "condition") -> None:
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def _md5_check(image: Path) -> str:
    proc = subprocess.run(
        ["xorriso", "-md5", "on", "-indev", f"stdio:{image}", "-check_md5_r", "sorry", "/", "--"],
        capture_output=True,
        timeout=120,
        check=False,
    )
    text = (proc.stdout + proc.stderr).decode(errors="replace")
    assert proc.returncode == 0, text
    return text


def _all_finished() -> bool:
    return all(not run.alive for run in running_operations())


CHILD = textwrap.dedent(
    """
    import sys, threading
    from app.engine.commands import BurnOptions, MapEntry
    from app.jobs.plans import Target, burn_plan
    from app.jobs.start import start_job
    options = BurnOptions(volume_id="DETACH", speed="2d", pacifier_interval=0.5)
    # The plan the app's burn flow makes: the stage is cleared once it is on the disc.
    plan = burn_plan(Target(sys.argv[1]), [MapEntry(sys.argv[2], sys.argv[3])], options,
                     from_stage=True)
    op = start_job(plan)
    def reader():
        for progress in op.events():
            print(progress.phase, flush=True)
    threading.Thread(target=reader, daemon=True).start()
    threading.Event().wait()
    """
)


def _burn_in_child_then_kill(address: str, src: Path, iso_path: str = "/") -> None:
    """A python whose thread worker reads a detached burn, SIGKILLed once writing starts."""
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, address, str(src), iso_path],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    for line in child.stdout:
        if line.strip() == "writing":
            break
    child.kill()
    child.wait()


def test_sighup_to_the_cli_does_not_stop_the_burn(tmp_path: Path, source: Path) -> None:
    image = tmp_path / "disc.iso"
    cli = subprocess.Popen(
        [
            *(sys.executable, "-m", "app", "burn", "--dev", f"stdio:{image}", "--json"),
            *("--speed", "2d", "--no-verify", str(source)),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        text=True,
    )
    assert cli.stdout is not None
    for line in cli.stdout:
        if json.loads(line).get("phase") == "writing":
            break
    else:
        pytest.fail("the CLI never reported writing")
    os.killpg(cli.pid, signal.SIGHUP)
    time.sleep(0.3)
    runs = running_operations()
    assert len(runs) == 1 and runs[0].alive and runs[0].kind == "burn"
    # The CLI ignores SIGHUP while it follows a job: journal and result still come.
    final = json.loads(cli.stdout.read().splitlines()[-1])
    assert cli.wait(timeout=120) == 0 and final["result"] == "ok", final
    _wait(_all_finished, what="the detached burn")
    media = read_medium(f"stdio:{image}").toc.media
    assert media.status == "appendable" and media.sessions_count == 1
    assert "match" in _md5_check(image)


def test_sigkill_of_the_reader_then_attach(tmp_path: Path, source: Path) -> None:
    image = tmp_path / "disc.iso"
    address = f"stdio:{image}"
    _burn_in_child_then_kill(address, source)
    runs = running_operations()
    assert len(runs) == 1
    run = runs[0]
    assert (run.kind, run.address, run.watched) == ("burn", address, False)
    assert run.alive, "the burn must go on without its reader"
    assert stat.S_IMODE(run.run_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE((run.run_dir / "stdout").stat().st_mode) == 0o600
    operation = attach(run)
    phases = [progress.phase for progress in operation.events()]
    assert "writing" in phases and phases[-1] == "done"
    result = operation.result
    assert result is not None and result.outcome == "ok", result
    assert result.written_sectors and result.written_sectors > 24 * 2**20 // 2048
    assert not run.run_dir.exists(), "a consumed run's folder is removed"
    assert result.journal and "outcome: ok" in Path(result.journal).read_text()
    assert running_operations() == []
    assert not lock_path(address).exists()
    assert "match" in _md5_check(image)


def test_attach_to_a_finished_run_gives_its_result(tmp_path: Path, source: Path) -> None:
    image = tmp_path / "disc.iso"
    _burn_in_child_then_kill(f"stdio:{image}", source)
    _wait(_all_finished, what="the detached burn")
    (run,) = running_operations()
    assert run.exit_status == 0 and not run.alive
    operation = attach(run)
    list(operation.events())
    assert operation.result is not None and operation.result.outcome == "ok"
    assert running_operations() == []


def test_one_operation_per_drive(tmp_path: Path, source: Path) -> None:
    address = f"stdio:{tmp_path / 'disc.iso'}"
    first = start_burn(address, [MapEntry(str(source), "/")], SLOW)
    writing = threading.Event()

    def follow() -> None:
        for progress in first.events():
            if progress.phase == "writing":
                writing.set()

    reader = threading.Thread(target=follow)
    reader.start()
    assert writing.wait(60)
    pattern = (
        rf"{re.escape(address)} is busy: discdeck pid {os.getpid()} is burning it "
        r"\(started \d\d:\d\d\); wait for it or cancel it there"
    )
    with pytest.raises(DriveBusy, match=pattern):
        start_burn(address, [MapEntry(str(source), "/")], SLOW)
    first.cancel()
    reader.join(60)
    assert first.result is not None and first.result.outcome == "cancelled"
    check_free(address)  # free again


def test_a_stale_lock_is_cleaned(tmp_path: Path, source: Path) -> None:
    address = f"stdio:{tmp_path / 'disc.iso'}"
    dead = subprocess.Popen(["true"])
    dead.wait()
    lock = lock_path(address)
    lock.write_text(
        json.dumps({"run": "gone", "kind": "burn", "started": time.time(), "creator_pid": dead.pid})
    )
    operation = start_burn(address, [MapEntry(str(source / "small.txt"), "/small.txt")], SLOW)
    list(operation.events())
    assert operation.result is not None and operation.result.outcome == "ok"
    assert not lock.exists()


def test_cancel_through_the_wrapper(tmp_path: Path, source: Path) -> None:
    image = tmp_path / "disc.iso"
    operation = start_burn(f"stdio:{image}", [MapEntry(str(source), "/")], SLOW)
    for progress in operation.events():
        if progress.phase == "writing":
            operation.cancel()
    result = operation.result
    assert result is not None and result.outcome == "cancelled", result
    assert read_medium(f"stdio:{image}").toc.media.status == "blank"
    assert list(running_dir().iterdir()) == []


async def test_the_app_reattaches_on_start(tmp_path: Path, source: Path) -> None:
    """The re-attached burn runs the checkread its starter asked for, and the stage that
    was burned is cleared as after any burn."""
    from app.stage.model import Stage
    from app.stage.store import autosave_path, save_stage
    from app.tui.app import DiscdeckApp
    from app.tui.screens.operation_screen import OperationScreen

    stage = Stage()
    stage.add(str(source), "/")
    save_stage(stage, autosave_path())
    image = tmp_path / "disc.iso"
    _burn_in_child_then_kill(f"stdio:{image}", source, f"/{source.name}")
    app = DiscdeckApp()
    async with app.run_test(size=(100, 30)) as pilot:
        end = time.monotonic() + 90
        while not (isinstance(app.screen, OperationScreen) and app.screen.finished):
            assert time.monotonic() < end, "the re-attached burn never finished"
            await pilot.pause(0.2)
        screen = app.screen
        assert screen.title_text.startswith("Re-attached: burning to stdio:")
        assert [(r.kind, r.outcome) for r in screen.results] == [("burn", "ok"), ("check", "ok")]
        # Cleared in the step that records the result, before anyone leaves the screen.
        assert app.stage.is_empty(), "the burned stage was kept"
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert app.stage.is_empty(), "the burned stage came back"
    assert running_operations() == []


async def test_quitting_leaves_the_burn_running(tmp_path: Path, source: Path) -> None:
    from app.jobs.plans import Target, burn_plan
    from app.tui.app import DiscdeckApp
    from app.tui.screens.confirm_screen import ConfirmScreen
    from app.tui.screens.operation_screen import OperationScreen

    image = tmp_path / "disc.iso"
    address = f"stdio:{image}"
    app = DiscdeckApp()
    async with app.run_test(size=(100, 30)) as pilot:
        plan = burn_plan(Target(address, "disc.iso"), [MapEntry(str(source), "/")], SLOW)
        screen = OperationScreen(plan)
        app.push_screen(screen)
        end = time.monotonic() + 60
        while not any(run.alive for run in running_operations()) or len(screen.samples) < 3:
            assert time.monotonic() < end
            await pilot.pause(0.2)
        await pilot.press("ctrl+c")
        await pilot.pause(0.3)
        confirm = app.screen
        assert isinstance(confirm, ConfirmScreen)
        assert "CONTINUE in the background" in "\n".join(confirm.lines)
        assert confirm.yes_label == "Quit (the burn continues)" and not confirm.danger
        started = time.monotonic()
        await pilot.press("y")
        await pilot.pause(0.5)
    assert time.monotonic() - started < 5, "quitting must not wait for the burn"
    (run,) = running_operations()
    assert run.alive and not run.watched
    _wait(_all_finished, what="the detached burn")
    operation = attach(run)
    list(operation.events())
    assert operation.result is not None and operation.result.outcome == "ok"


def _percents(lines: list) -> list[float]:
    tracker = ProgressTracker(started=0.0)
    found = (tracker.feed(line.text, line.at) for line in lines if line.channel != "E")
    return [p.percent for p in found if p is not None and p.percent is not None]


@pytest.mark.parametrize("stop_after", [3, None], ids=["read-in-part", "read-whole"])
def test_wait_goes_on_from_where_the_reading_stopped(
    tmp_path: Path, source: Path, stop_after: int | None
) -> None:
    """A job reads a detached run's output, then waits for its result: the lines read once
    are not read again (each progress line once, the percent never going back)."""
    address = f"stdio:{tmp_path / 'disc.iso'}"
    options = BurnOptions(volume_id="ONCE", speed="6d", pacifier_interval=0.5)
    plan = burn_plan(Target(address), [MapEntry(str(source), "/")], options)
    process = DetachedProcess(plan.argv, kind="burn", address=address)
    try:
        read = []
        for line in process.output():
            read.append(line)
            if stop_after and len(_percents(read)) >= stop_after:
                break  # a reader that stopped watching part way (the app's job screen, say)
        result = process.wait()
        written = (process.run_dir / "stdout").read_bytes()
    finally:
        process.cleanup()
    assert result.returncode == 0, result.text()
    assert result.lines[: len(read)] == read
    percents = _percents(result.lines)
    assert len(percents) >= 3 and percents == sorted(percents), percents
    updates = written.count(b"UPDATE :")
    assert sum("UPDATE :" in line.text for line in result.lines) == updates, "lines read twice"
